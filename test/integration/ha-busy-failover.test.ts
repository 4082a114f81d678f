// The leader is killed while 1,000 simulated agents run the tasks of 50
// frameworks, some of them finishing around the failover (in-process, virtual
// clock). The new leader knows agents and frameworks from the registry and
// the tasks from the agents as they re-register: afterwards every task an
// agent runs is in its books exactly once, in the agent's state, on that
// agent; none it has is on no agent; every framework got each of its short
// tasks' TASK_FINISHED and no task was reported lost; and the books balance
// with the allocator.
import { afterEach, describe, expect, test } from '@jest/globals';
import { Random } from 'libprocess-ts';
import { SimulatedAgentProcess } from '../../agent/simulated.js';
import { Resources } from '../../protocol/resources.js';
import { isTerminal } from '../../protocol/task-states.js';
import { ledger } from '../../master/test/helpers/cluster.js';
import { HaCluster, retarget } from '../../master/test/helpers/ha-cluster.js';
import { commandTask, type TestScheduler } from '../../master/test/helpers/peers.js';

let c: HaCluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

const AGENTS = 1000;
const FRAMEWORKS = 50;
const TASKS_EACH = 12;

describe('failover of a busy cluster', () => {
  test(`SIGKILL of the leader with ${AGENTS} agents and ${FRAMEWORKS} frameworks at work: no task lost or duplicated`, async () => {
    c = new HaCluster(3, 43, { reregisterTimeoutMs: 60_000 });
    await c.startAll();
    const leader = await c.awaitLeader();
    const host = await c.runtime('agents');
    const list = [0, 1, 2].map((i) => c!.masterPid(i).toString()).join(',');
    const agents: SimulatedAgentProcess[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const a = new SimulatedAgentProcess({ master: list, resources: Resources.parse('cpus:2;mem:2048'), hostname: `sim${i}`, random: new Random(i + 1) });
      host.spawn(a, `slave(${i + 1})`);
      agents.push(a);
    }
    const leading = () => c!.nodes[c!.leaders()[0]!]!.ha!;
    await c.until(() => leading().master!.state.agents.size === AGENTS, 30_000);

    const schedulers: TestScheduler[] = [];
    for (let i = 0; i < FRAMEWORKS; i++) schedulers.push(await c.scheduler(leader, { name: `fw${i}`, failover_timeout: 3600 }));
    await c.until(() => schedulers.every((s) => s.frameworkId !== undefined));
    // Each framework launches TASKS_EACH tasks: half run long, half end around the failover. Only on an offer that
    // holds a task (the allocator also offers what is left of an agent, e.g. memory without cpus): one launched on
    // less would be refused, and the count of tasks running below would depend on which offers came first. What a
    // framework cannot use it declines, as a real one does: held, it starved the frameworks offered last (which
    // frameworks those are depends on when each agent registered, and the agents' first registration waits a random
    // part of their backoff factor, as Mesos's).
    const need = Resources.parse('cpus:1;mem:100');
    const launched = new Map<TestScheduler, number>(schedulers.map((s) => [s, 0]));
    await c.until(() => {
      for (const s of schedulers) {
        for (const offer of [...s.offers.values()]) {
          const n = launched.get(s)!;
          if (n >= TASKS_EACH) {
            s.decline([offer.id.value], 3600); // all launched: it wants nothing more
            continue;
          }
          if (!Resources.of(offer.resources).unallocate().contains(need)) {
            s.decline([offer.id.value], 1);
            continue;
          }
          const short = n % 2 === 1;
          s.launch(offer, [commandTask(`${s.info.name}-t${n}`, offer, 'cpus:1;mem:100', short ? 'sleep 3' : 'sleep 600')], 0);
          launched.set(s, n + 1);
        }
      }
      return [...launched.values()].every((n) => n === TASKS_EACH);
    }, 20_000);
    const running = (): number => agents.reduce((n, a) => n + [...a.tasks.values()].filter((t) => t.state === 'TASK_RUNNING').length, 0);
    await c.until(() => running() === FRAMEWORKS * TASKS_EACH, 10_000);
    for (const s of schedulers) expect(s.statuses().filter((st) => st.state === 'TASK_ERROR' || st.state === 'TASK_DROPPED')).toEqual([]);
    await c.clock.advance(2_000);

    // The leader dies while the short tasks are about to end.
    await c.kill(leader);
    const next = await c.awaitLeader(10_000, leader);
    for (const s of schedulers) {
      retarget(s, c.masterPid(next));
      s.subscribe();
    }
    const ha = c.nodes[next]!.ha!;
    const master = ha.master!;
    await c.until(() => master.state.agents.size === AGENTS && [...master.state.frameworks.values()].every((f) => f.connected), 30_000);
    // The short tasks end and their updates reach the frameworks.
    await c.until(() => schedulers.every((s) => [...Array(TASKS_EACH).keys()].filter((n) => n % 2 === 1).every((n) => s.states(`${s.info.name}-t${n}`).includes('TASK_FINISHED'))), 20_000);
    await c.clock.advance(1_000);

    expect(ha.term!.pendingAgents.size).toBe(0);
    // Every task an agent runs is in the books once, on that agent, in its state.
    let onAgents = 0;
    for (const a of agents) {
      for (const [taskId, t] of a.tasks) {
        if (isTerminal(t.state)) continue;
        onAgents++;
        const record = master.state.frameworks.get(t.frameworkId)?.tasks.get(taskId);
        expect(record?.agent_id.value).toBe(a.agentId);
        expect(record?.state).toBe(t.state);
        expect(master.state.agents.get(a.agentId!)?.tasks.get(t.frameworkId)?.get(taskId)).toBe(record);
      }
    }
    expect(onAgents).toBe(FRAMEWORKS * (TASKS_EACH / 2));
    // And none of the books is on no agent.
    const booked = [...master.state.frameworks.values()].flatMap((f) => [...f.tasks.values()].filter((t) => !isTerminal(t.state)));
    expect(booked).toHaveLength(onAgents);
    for (const s of schedulers) expect(s.statuses().filter((st) => st.state === 'TASK_LOST' || st.state === 'TASK_GONE')).toEqual([]);
    expect(ledger({ master, allocator: ha.allocator! })).toEqual([]);
  }, 120_000);
});
