// The leader is killed (SIGKILL) while 1,000 simulated agents run the tasks of 50 frameworks, with
// real OS processes over real sockets: 3 masters with their replicated logs on files, the agents
// in one more process (`mesos-ts local --simulated-agents`), the frameworks SDK drivers in this one.
// Half of each framework's tasks run long, half end around the failover. Afterwards, at the new
// leader: every framework is back, every task a framework was told runs is there exactly once, on
// the agent it was launched on, RUNNING; no task is there that a framework did not launch; every
// short task's TASK_FINISHED reached its framework; and no framework heard TASK_LOST, TASK_GONE,
// TASK_DROPPED or TASK_UNREACHABLE. The same scenario on the virtual clock, where the agents'
// own books can be read too, is ha-busy-failover.test.ts.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchedulerDriver, type Scheduler } from '../../framework/index.js';
import { firstFit } from '../../framework/scheduler/helpers.js';
import type { TaskStatus } from '../../protocol/index.js';
import { startLocal, operatorAuthorization, untilAgentsActive, type LocalCluster } from '../cluster.js';
import { stopAll } from '../processes.js';
import { until } from '../wait.js';

const AGENTS = 1000;
const FRAMEWORKS = 50;
const TASKS_EACH = 12;
/** Long enough that most short tasks still run when the leader dies, short enough to end soon after. */
const SHORT = 'sleep 10';
const LONG = 'sleep 3600';

let cluster: LocalCluster;
let authorization: string;
const drivers: SchedulerDriver[] = [];

interface Framework {
  readonly name: string;
  launched: number;
  /** Task id → the agent it was launched on. */
  readonly placed: Map<string, string>;
  readonly updates: TaskStatus[];
  driver?: SchedulerDriver;
}

beforeAll(async () => {
  cluster = await startLocal({ masters: 3, agents: 0, args: [`--simulated-agents=${AGENTS}`] });
  authorization = operatorAuthorization(cluster);
}, 120_000);

afterAll(async () => {
  await Promise.all(drivers.map((d) => d.stop().catch(() => undefined)));
  await cluster?.stop();
  await stopAll('SIGKILL');
}, 120_000);

type Json = Record<string, any>;
const get = async (url: string): Promise<Json | undefined> => {
  try {
    const res = await fetch(url, { headers: { authorization }, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    return res.status === 200 ? ((await res.json()) as Json) : undefined;
  } catch {
    return undefined; // a master that is down or not yet serving
  }
};

function framework(name: string): { fw: Framework; scheduler: Scheduler } {
  const fw: Framework = { name, launched: 0, placed: new Map(), updates: [] };
  const scheduler: Scheduler = {
    resourceOffers(driver, offers) {
      // First fit (an offer may lack CPUs: an agent's memory outlasts them). The requests are all the same size, so the
      // placed ones are a prefix and the ids stay contiguous.
      const requests = Array.from({ length: TASKS_EACH - fw.launched }, (_, k) => {
        const n = fw.launched + k;
        return { id: `${name}-t${n}`, resources: 'cpus:1;mem:100', command: n % 2 === 1 ? SHORT : LONG };
      });
      const plan = firstFit(offers, requests);
      for (const { offer, tasks } of plan.launches.values()) {
        for (const task of tasks) fw.placed.set(task.task_id.value, offer.agent_id.value);
        driver.launchTasks(offer.id, tasks, { refuse_seconds: 3600 });
      }
      fw.launched += plan.placements.length;
      for (const offer of plan.unused) driver.declineOffer(offer.id, { refuse_seconds: 3600 });
    },
    statusUpdate(_driver, status) {
      fw.updates.push(status);
    },
  };
  return { fw, scheduler };
}

const stateOf = (fw: Framework, id: string): string | undefined => fw.updates.filter((u) => u.task_id.value === id).at(-1)?.state;


describe('failover of a busy cluster of real processes', () => {
  test(`SIGKILL of the leader with ${AGENTS} simulated agents and ${FRAMEWORKS} frameworks at work: no task lost or duplicated`, async () => {
    await untilAgentsActive(cluster, AGENTS);
    const credential = JSON.parse(readFileSync(join(cluster.workDir, 'operator-credential.json'), 'utf8')) as { principal: string; secret: string };
    const frameworks: Framework[] = [];
    for (let i = 0; i < FRAMEWORKS; i++) {
      const { fw, scheduler } = framework(`fw${i}`);
      frameworks.push(fw);
      fw.driver = await SchedulerDriver.start({ master: cluster.masterList, framework: { name: fw.name, failover_timeout: 3600 }, scheduler, credential, backoff: { minMs: 100, maxMs: 1000 }, random: i + 1 });
      drivers.push(fw.driver);
    }
    const total = FRAMEWORKS * TASKS_EACH;
    const ran = (fw: Framework, id: string): boolean => fw.updates.some((u) => u.task_id.value === id && u.state === 'TASK_RUNNING');
    await until('every task launched and running', () => {
      if (frameworks.every((fw) => fw.placed.size === TASKS_EACH && [...fw.placed.keys()].every((id) => ran(fw, id)))) return true;
      const launched = frameworks.reduce((n, fw) => n + fw.placed.size, 0);
      const running = frameworks.reduce((n, fw) => n + [...fw.placed.keys()].filter((id) => ran(fw, id)).length, 0);
      const states = frameworks.flatMap((fw) => fw.updates.map((u) => u.state)).reduce<Record<string, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {});
      const errors = frameworks.flatMap((fw) => fw.updates.filter((u) => u.state === 'TASK_ERROR').map((u) => `${u.task_id.value}: ${u.message}`)).slice(0, 3);
      throw new Error(`${launched} of ${total} launched, ${running} running; updates ${JSON.stringify(states)} ${errors.join('; ')}`);
    }, { limitMs: 60_000 });

    // The leader dies while the short tasks are about to end.
    const leader = cluster.masters.find((m) => m.url === cluster.leader)!;
    process.kill(leader.pid, 'SIGKILL');
    const others = cluster.masters.filter((m) => m !== leader);
    const next = await until('a new leader with every agent and framework back', async () => {
      for (const m of others) {
        const metrics = await get(`${m.url}/metrics/snapshot`);
        if (metrics?.['master/elected'] === 1 && metrics['master/slaves_active'] === AGENTS && metrics['master/frameworks_active'] === FRAMEWORKS) return m;
      }
      return undefined;
    }, { everyMs: 250, limitMs: 90_000 });

    // The short tasks end and their updates reach the frameworks through the new leader.
    const shortIds = (fw: Framework): string[] => [...fw.placed.keys()].filter((id) => Number(id.split('-t')[1]) % 2 === 1);
    await until('every short task finished at its framework', () => (frameworks.every((fw) => shortIds(fw).every((id) => stateOf(fw, id) === 'TASK_FINISHED')) ? true : undefined), { limitMs: 60_000 });

    // Every framework asks the new leader for all its tasks (implicit reconciliation): each long task comes back RUNNING.
    const before = new Map(frameworks.map((fw) => [fw, fw.updates.length]));
    for (const fw of frameworks) fw.driver!.reconcileTasks([]);
    await until('every long task reconciled as running', () =>
      frameworks.every((fw) => {
        const answered = new Set(fw.updates.slice(before.get(fw)).filter((u) => u.state === 'TASK_RUNNING').map((u) => u.task_id.value));
        return [...fw.placed.keys()].filter((id) => !shortIds(fw).includes(id)).every((id) => answered.has(id));
      })
        ? true
        : undefined,
    { limitMs: 60_000 });

    const state = (await get(`${next.url}/master/state`))!;
    expect(state['slaves']).toHaveLength(AGENTS);
    const live = (state['frameworks'] as Json[]).filter((f) => f['active'] === true);
    expect(live.map((f) => f['name']).sort()).toEqual(frameworks.map((fw) => fw.name).sort());
    // Every running task at the leader is one a framework launched, once, on the agent it was launched on.
    const seen = new Set<string>();
    let running = 0;
    for (const f of live) {
      const fw = frameworks.find((x) => x.name === f['name'])!;
      for (const t of f['tasks'] as Json[]) {
        expect(seen.has(t['id'])).toBe(false);
        seen.add(t['id']);
        expect(fw.placed.get(t['id'])).toBe(t['slave_id']);
        expect(t['state']).toBe('TASK_RUNNING');
        running++;
      }
    }
    expect(running).toBe(total / 2);
    const bad = frameworks.flatMap((fw) => fw.updates.filter((u) => ['TASK_LOST', 'TASK_GONE', 'TASK_DROPPED', 'TASK_UNREACHABLE'].includes(u.state)).map((u) => `${u.task_id.value} ${u.state}`));
    expect(bad).toEqual([]);
  }, 300_000);
});
