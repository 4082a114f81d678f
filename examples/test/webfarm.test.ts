// examples/webfarm: the scaling rule alone (up at once, down only after the
// load stayed low, clamped, cooldown), and the farm on the in-process cluster
// following a load that goes up and down. In process the load is a model of
// the traffic (the offered total spread evenly over the instances that run),
// read through the same LoadProbe interface the HTTP /stats probe implements.
import { afterEach, describe, expect, test } from '@jest/globals';
import { decide, initialState, validatePolicy, type AutoscalerPolicy } from '../webfarm/autoscaler.js';
import { WebFarm, type LoadProbe } from '../webfarm/webfarm-scheduler.js';
import { cluster, type Cluster } from '../../master/test/helpers/cluster.js';
import { healthAgent, type HealthAgent } from './support/health-agent.js';

const POLICY: AutoscalerPolicy = { targetRps: 50, min: 1, max: 5, downFraction: 0.6, downAfter: 3, cooldown: 2 };

describe('webfarm autoscaler (pure)', () => {
  test('up at once to what the total needs, clamped to max; cooldown after a change', () => {
    const up = decide(POLICY, 1, [120], initialState());
    expect(up.desired).toBe(3);
    expect(up.reason).toBe('average 120.0 rps > target 50: 120.0 rps needs 3');
    expect(decide(POLICY, 1, [1000], initialState()).desired).toBe(5);
    const cool = decide(POLICY, 3, [200, 200, 200], up.state);
    expect(cool).toMatchObject({ desired: 3, reason: 'cooling down' });
    expect(decide(POLICY, 3, [200, 200, 200], decide(POLICY, 3, [200, 200, 200], cool.state).state).desired).toBe(5);
  });

  test('down only after downAfter low polls in a row; the band between keeps the size (hysteresis)', () => {
    let s = initialState();
    // 95 rps on 3: average 31.7, above 0.6 x 50 = 30, though 2 would do: stays.
    for (let i = 0; i < 10; i++) {
      const d = decide(POLICY, 3, [31.7, 31.7, 31.7], s);
      expect(d.desired).toBe(3);
      s = d.state;
    }
    // 60 rps on 3: low twice, then down to 2; a high poll in between resets the count.
    s = initialState();
    s = decide(POLICY, 3, [20, 20, 20], s).state;
    s = decide(POLICY, 3, [40, 40, 40], s).state;
    expect(s.lowPolls).toBe(0);
    s = decide(POLICY, 3, [20, 20, 20], s).state;
    s = decide(POLICY, 3, [20, 20, 20], s).state;
    const down = decide(POLICY, 3, [20, 20, 20], s);
    expect(down.desired).toBe(2);
    // Never below min.
    let t = initialState();
    let d = decide(POLICY, 1, [0], t);
    for (let i = 0; i < 5; i++) (d = decide(POLICY, 1, [0], t)), (t = d.state);
    expect(d.desired).toBe(1);
  });

  test('no measurements: no change; outside the bounds: back inside; bad policies named', () => {
    expect(decide(POLICY, 2, [], initialState())).toMatchObject({ desired: 2, reason: 'no measurements' });
    expect(decide(POLICY, 9, [1], initialState()).desired).toBe(5);
    expect(() => validatePolicy({ ...POLICY, targetRps: 0 })).toThrow('targetRps must be a positive number');
    expect(() => validatePolicy({ ...POLICY, max: 0 })).toThrow('max must be an integer >= min');
    expect(() => validatePolicy({ ...POLICY, min: 6 })).toThrow('max must be an integer >= min');
    expect(() => validatePolicy({ ...POLICY, downFraction: 1.5 })).toThrow('downFraction must be between 0 and 1');
  });
});

let c: Cluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

describe('examples/webfarm on the in-process cluster', () => {
  test('load up: more web servers; load down: fewer', async () => {
    c = await cluster();
    const agents: HealthAgent[] = [];
    for (const h of ['h1', 'h2', 'h3']) agents.push(await healthAgent(c, { hostname: h, resources: 'cpus:2;mem:2048;ports:[31000-31099]' }, `agent-${h}`));
    let offered = 20;
    const probed: string[] = [];
    // The traffic model: the offered total spread evenly over the servers that run.
    const probe: LoadProbe = async (i) => {
      probed.push(i.taskId);
      const up = farm.service.instances().filter((x) => x.state === 'TASK_RUNNING' && !x.killing).length;
      return offered / up;
    };
    const lines: string[] = [];
    const farm: WebFarm = await WebFarm.start({ master: c.masterPid.toString(), command: 'webfarm-server', policy: POLICY, probe, pollMs: 5_000, runtime: await c.runtime('webfarm'), random: 3, user: 'tester', log: (l) => lines.push(l) });
    const running = (): number => farm.service.instances().filter((i) => i.state === 'TASK_RUNNING' && !i.killing).length;
    await c.clock.advance(30_000);
    expect(farm.size).toBe(1);
    expect(running()).toBe(1);
    expect(probed.length).toBeGreaterThan(0);
    // Every server gets an HTTP health check on its port's /stats.
    const task = agents.flatMap((a) => a.named('run_task'))[0]!.task;
    expect(task.health_check?.http?.path).toBe('/stats');
    for (const a of agents) for (const id of a.running.keys()) a.health(id, true);

    offered = 180; // needs 4
    await c.clock.advance(10_000);
    expect(farm.size).toBe(4);
    await c.clock.advance(5_000);
    expect(running()).toBe(4);
    offered = 400; // beyond max
    await c.clock.advance(30_000);
    expect(farm.size).toBe(5);
    expect(running()).toBe(5);

    offered = 160; // 32 each on 5: inside the band, stays
    await c.clock.advance(60_000);
    expect(farm.size).toBe(5);
    offered = 40; // 8 each: low; after three low polls, down to 1
    await c.clock.advance(14_000);
    expect(farm.size).toBe(5);
    await c.clock.advance(10_000);
    expect(farm.size).toBe(1);
    await c.clock.advance(5_000);
    expect(running()).toBe(1);
    expect(farm.changes.map((x) => [x.from, x.to])).toEqual([
      [1, 4],
      [4, 5],
      [5, 1],
    ]);
    expect(lines).toContain('scaling the farm 1 -> 4: average 180.0 rps > target 50: 180.0 rps needs 4');
    await farm.stop();
  });
});
