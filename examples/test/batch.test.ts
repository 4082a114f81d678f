// examples/batch on the in-process cluster: a gang holds its offers until
// they can host every task, then launches all of them in the same instant; a
// gang that does not fit launches nothing and releases what it holds after the
// timeout (another framework then gets it); rescinded offers leave the hold;
// one task failing takes the gang down.
import { afterEach, describe, expect, test } from '@jest/globals';
import { GangScheduler } from '../batch/gang-scheduler.js';
import { cluster, type Cluster } from '../../master/test/helpers/cluster.js';
import { healthAgent, type HealthAgent, type Play } from './support/health-agent.js';

let c: Cluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

const AGENT = { resources: 'cpus:2;mem:1024' };
const finish: Play = () => ({ afterMs: 5_000, state: 'TASK_FINISHED' });
const JOB = { id: 'mpi', tasks: 3, command: 'mpirun-worker', resources: 'cpus:1.5;mem:256' };

async function agents(names: string[], play: Play = finish): Promise<HealthAgent[]> {
  const out: HealthAgent[] = [];
  for (const n of names) out.push(await healthAgent(c!, { ...AGENT, hostname: n }, `agent-${n}`, undefined, play));
  return out;
}

const runTasks = (as: HealthAgent[]): string[] => as.flatMap((a) => a.launched());

describe('examples/batch (gang scheduling)', () => {
  test('holds offers until all N fit, then launches all N in the same instant', async () => {
    c = await cluster();
    const as = await agents(['h1', 'h2']);
    const lines: string[] = [];
    const gang = await GangScheduler.start({ master: c.masterPid.toString(), job: JOB, runtime: await c.runtime('batch'), random: 1, user: 'tester', log: (l) => lines.push(l) });
    await c.clock.advance(10_000);
    expect(gang.state).toBe('HOLDING');
    expect(gang.held()).toHaveLength(2);
    expect(runTasks(as)).toEqual([]);
    expect(lines).toContain('holding 2 offer(s): room for 2 of 3 tasks');

    as.push(...(await agents(['h3'])));
    await c.clock.advance(2_000);
    expect(gang.state).toBe('LAUNCHED');
    expect(runTasks(as).sort()).toEqual(['mpi-0', 'mpi-1', 'mpi-2']);
    const starts = new Set(as.flatMap((a) => [...a.startedAt.values()]));
    expect(starts.size).toBe(1);
    expect([...starts][0]).toBe(gang.launchedAtMs);
    expect(new Set(gang.hosts)).toEqual(new Set(['h1', 'h2', 'h3']));
    const task = as.flatMap((a) => a.named('run_task')).find((r) => r.task.task_id.value === 'mpi-2')!.task;
    expect(task.command?.environment?.variables?.map((v) => `${v.name}=${v.value}`)).toEqual(['GANG_RANK=2', 'GANG_SIZE=3', `GANG_HOSTS=${gang.hosts.join(',')}`]);

    await c.clock.advance(10_000);
    await expect(gang.result).resolves.toEqual({ state: 'SUCCEEDED', tasks: ['TASK_FINISHED', 'TASK_FINISHED', 'TASK_FINISHED'] });
    await gang.stop();
  });

  test('a gang that does not fit launches nothing and releases its offers after the timeout, to other frameworks', async () => {
    c = await cluster();
    const as = await agents(['h1', 'h2']);
    const lines: string[] = [];
    const gang = await GangScheduler.start({ master: c.masterPid.toString(), job: JOB, holdTimeoutMs: 30_000, releaseRefuseSeconds: 60, runtime: await c.runtime('batch'), random: 1, user: 'tester', log: (l) => lines.push(l) });
    await c.clock.advance(2_000);
    const held = gang.held().length;
    expect(held).toBe(2);
    const { scheduler: other } = await c.scheduler({ name: 'other' }, 'other');
    await c.clock.advance(25_000);
    // Held, not used, and not given to anyone else yet.
    expect(other.offers.size).toBe(0);
    expect(gang.releases).toBe(0);
    await c.clock.advance(5_000);
    expect(gang.releases).toBe(1);
    expect(gang.held()).toEqual([]);
    expect(lines.some((l) => l.startsWith('the gang does not fit in 2 held offer(s)') && l.endsWith('after 30000 ms: releasing them'))).toBe(true);
    await c.clock.advance(2_000);
    expect(other.offers.size).toBe(2);
    expect(runTasks(as)).toEqual([]);
    expect(c.master.state.offers.ofFramework(gang.driver.frameworkId!)).toEqual([]);
    await gang.stop();
  });

  test('rescinded offers leave the hold; the gang launches on live offers only', async () => {
    c = await cluster({ offerTimeoutMs: 10_000 });
    const as = await agents(['h1', 'h2']);
    const lines: string[] = [];
    const gang = await GangScheduler.start({ master: c.masterPid.toString(), job: JOB, holdTimeoutMs: 60_000, runtime: await c.runtime('batch'), random: 1, user: 'tester', log: (l) => lines.push(l) });
    await c.clock.advance(15_000);
    expect(lines.filter((l) => / rescinded; /.test(l)).length).toBeGreaterThanOrEqual(2);
    expect(gang.held().length).toBeLessThanOrEqual(2);
    as.push(...(await agents(['h3'])));
    await c.clock.advance(12_000);
    const result = await gang.result;
    expect(result.state).toBe('SUCCEEDED');
    expect(runTasks(as).sort()).toEqual(['mpi-0', 'mpi-1', 'mpi-2']);
    await gang.stop();
  });

  test('one task failing kills the rest: the gang fails together', async () => {
    c = await cluster();
    const play: Play = (t) => (t.task_id.value === 'mpi-1' ? { afterMs: 1_000, state: 'TASK_FAILED', message: 'exit 3' } : { afterMs: 60_000, state: 'TASK_FINISHED' });
    const as = await agents(['h1', 'h2', 'h3'], play);
    const gang = await GangScheduler.start({ master: c.masterPid.toString(), job: JOB, runtime: await c.runtime('batch'), random: 1, user: 'tester', log: () => {} });
    await c.clock.advance(5_000);
    const result = await gang.result;
    expect(result.state).toBe('FAILED');
    expect(result.tasks).toEqual(['TASK_KILLED', 'TASK_FAILED', 'TASK_KILLED']);
    expect(as.flatMap((a) => a.killed()).sort()).toEqual(['mpi-0', 'mpi-2']);
    await gang.stop();
  });
});
