// examples/cron on the in-process cluster with the virtual clock (which starts
// at 2026-01-01T00:00:00Z): schedules fire at their times and stop after Rn,
// a failed run is retried after its delay until it succeeds or has no retries
// left, a dependent job runs after each success of its parent and never after
// a failure, and the history is the same in memory, in its file and over HTTP.
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CronScheduler } from '../cron/cron-scheduler.js';
import { parseJobs } from '../cron/jobs.js';
import { cluster, type Cluster } from '../../master/test/helpers/cluster.js';
import type { TaskInfo } from '../../protocol/types.js';
import { healthAgent } from './support/health-agent.js';
import { call } from './support/http.js';

let c: Cluster | undefined;
let dir: string | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const T = (s: string): number => Date.parse(s);
const env = (t: TaskInfo, name: string): string | undefined => t.command?.environment?.variables?.find((v) => v.name === name)?.value;

const JOBS = [
  { name: 'a', command: 'run-a', schedule: 'R3/2026-01-01T00:01:00Z/PT1M' },
  { name: 'b', command: 'run-b', parents: ['a'] },
  { name: 'flaky', command: 'run-flaky', schedule: 'R1/2026-01-01T00:00:30Z/PT1H', retries: 2, retryDelaySeconds: 10 },
  { name: 'doomed', command: 'run-doomed', schedule: 'R1/2026-01-01T00:00:10Z/P1D', retries: 1, retryDelaySeconds: 3 },
  { name: 'never', command: 'run-never', parents: ['doomed'] },
];

describe('examples/cron', () => {
  test('schedules fire at their virtual times; retries; dependencies; history', async () => {
    c = await cluster();
    dir = await mkdtemp(join(tmpdir(), 'cron-'));
    const historyFile = join(dir, 'history.json');
    // Runs take 5 s; flaky fails its first two attempts, doomed always fails.
    const agent = await healthAgent(c, { resources: 'cpus:2;mem:1024' }, 'agent1', undefined, (t) => {
      const cmd = t.command?.value;
      if (cmd === 'run-doomed' || (cmd === 'run-flaky' && env(t, 'CRON_ATTEMPT') !== '3')) return { afterMs: 1_000, state: 'TASK_FAILED', message: 'Command exited with status 1' };
      return { afterMs: 5_000, state: 'TASK_FINISHED', message: 'Command exited with status 0' };
    });
    const lines: string[] = [];
    const runtime = await c.runtime('cron');
    const cron = await CronScheduler.start({ master: c.masterPid.toString(), jobs: JOBS, runtime, random: 9, user: 'tester', historyFile, log: (l) => lines.push(l) });
    expect(cron.nextRun('a')).toBe(T('2026-01-01T00:01:00Z'));

    await c.clock.advance(T('2026-01-01T00:00:59Z') - c.clock.now());
    expect(cron.history.of('a')).toEqual([]);
    expect(cron.history.of('b')).toEqual([]);

    await c.clock.advance(T('2026-01-01T00:10:00Z') - c.clock.now());
    const a = cron.history.of('a');
    expect(a.map((r) => r.dueAt)).toEqual(['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z', '2026-01-01T00:03:00.000Z']);
    for (const r of a) {
      expect(r).toMatchObject({ state: 'SUCCEEDED', attempt: 1, trigger: 'schedule', taskState: 'TASK_FINISHED' });
      // Launched as soon as the master offered (its allocation interval), not later.
      expect(T(r.launchedAt!) - T(r.dueAt)).toBeLessThanOrEqual(1_000);
    }
    expect(cron.nextRun('a')).toBeUndefined();
    expect(lines).toContain('a: schedule R3/2026-01-01T00:01:00Z/PT1M has no more occurrences');

    // b after each success of a, never before it.
    const b = cron.history.of('b');
    expect(b.map((r) => [r.run, r.trigger, r.state])).toEqual([
      [1, 'after a', 'SUCCEEDED'],
      [2, 'after a', 'SUCCEEDED'],
      [3, 'after a', 'SUCCEEDED'],
    ]);
    b.forEach((r, i) => expect(T(r.dueAt)).toBe(T(a[i]!.finishedAt!)));

    // flaky: two failures, retried 10 s after each, then success; one run, three attempts.
    const flaky = cron.history.of('flaky');
    expect(flaky.map((r) => [r.run, r.attempt, r.trigger, r.state])).toEqual([
      [1, 1, 'schedule', 'FAILED'],
      [1, 2, 'retry', 'FAILED'],
      [1, 3, 'retry', 'SUCCEEDED'],
    ]);
    expect(T(flaky[1]!.dueAt) - T(flaky[0]!.finishedAt!)).toBe(10_000);
    expect(T(flaky[2]!.dueAt) - T(flaky[1]!.finishedAt!)).toBe(10_000);

    // doomed: the first try and one retry fail; its child never runs.
    expect(cron.history.of('doomed').map((r) => [r.attempt, r.state])).toEqual([
      [1, 'FAILED'],
      [2, 'FAILED'],
    ]);
    expect(cron.history.of('never')).toEqual([]);
    expect(lines.some((l) => l.startsWith('doomed run 1 attempt 2 failed') && l.endsWith('no retries left'))).toBe(true);

    // What the agent ran: one task per attempt, with the job's command and environment.
    const ran = agent.named('run_task').map((r) => r.task);
    expect(ran).toHaveLength(3 + 3 + 3 + 2);
    expect(ran.filter((t) => t.command?.value === 'run-flaky').map((t) => env(t, 'CRON_ATTEMPT'))).toEqual(['1', '2', '3']);

    // Ten more minutes: nothing else is due.
    await c.clock.advance(600_000);
    expect(cron.history.all()).toHaveLength(11);

    // The same history in the file and over HTTP.
    await cron.history.flushed();
    expect(JSON.parse(await readFile(historyFile, 'utf8'))).toEqual(cron.history.all());
    const h = await call(runtime, 'GET', '/jobs/history?job=a');
    expect(h.status).toBe(200);
    expect((h.json as { runs: unknown[] }).runs).toEqual(a);
    const jobs = await call(runtime, 'GET', '/jobs');
    expect((jobs.json as { jobs: { name: string; nextRun: string | null }[] }).jobs.map((j) => [j.name, j.nextRun])).toEqual([
      ['a', null],
      ['b', null],
      ['flaky', null],
      ['doomed', null], // R1: its one occurrence is past
      ['never', null],
    ]);
    expect((await call(runtime, 'GET', '/jobs/history?job=zzz')).status).toBe(404);
    await cron.stop();
  });

  test('a job waits for every parent to succeed again', async () => {
    c = await cluster();
    await healthAgent(c, { resources: 'cpus:2;mem:1024' }, 'agent1', undefined, () => ({ afterMs: 1_000, state: 'TASK_FINISHED' }));
    const runtime = await c.runtime('cron');
    const jobs = [
      { name: 'x', command: 'x', schedule: 'R2/2026-01-01T00:01:00Z/PT1M' },
      { name: 'y', command: 'y', schedule: 'R1/2026-01-01T00:01:30Z/PT1H' },
      { name: 'z', command: 'z', parents: ['x', 'y'] },
    ];
    const cron = await CronScheduler.start({ master: c.masterPid.toString(), jobs, runtime, random: 2, user: 'tester', log: () => {} });
    await c.clock.advance(T('2026-01-01T00:05:00Z') - c.clock.now());
    // x at 1:00 (y not yet): nothing; y at 1:30: z (after y); x at 2:00 alone: nothing more.
    expect(cron.history.of('z').map((r) => r.trigger)).toEqual(['after y']);
    expect(T(cron.history.of('z')[0]!.dueAt)).toBe(T(cron.history.of('y')[0]!.finishedAt!));
    await cron.stop();
  });

  test('while no resources are offered, one scheduled run waits and later occurrences are skipped, not piled up', async () => {
    c = await cluster();
    const runtime = await c.runtime('cron');
    const lines: string[] = [];
    const cron = await CronScheduler.start({ master: c.masterPid.toString(), jobs: [{ name: 'm', command: 'm', schedule: 'R/2026-01-01T00:01:00Z/PT1M' }], runtime, random: 4, user: 'tester', log: (l) => lines.push(l) });
    await c.clock.advance(T('2026-01-01T00:05:30Z') - c.clock.now());
    expect(cron.queued().map((r) => [r.run, r.dueAt])).toEqual([[1, '2026-01-01T00:01:00.000Z']]);
    expect(cron.skipped).toBe(4);
    expect(lines).toContain('m: occurrence at 2026-01-01T00:02:00.000Z skipped, the previous run is still waiting for resources');
    const agent = await healthAgent(c, { resources: 'cpus:1;mem:256' }, 'late-agent', undefined, () => ({ afterMs: 1_000, state: 'TASK_FINISHED' }));
    await c.clock.advance(T('2026-01-01T00:06:30Z') - c.clock.now());
    expect(cron.history.of('m').map((r) => [r.run, r.state, r.dueAt])).toEqual([
      [1, 'SUCCEEDED', '2026-01-01T00:01:00.000Z'],
      [2, 'SUCCEEDED', '2026-01-01T00:06:00.000Z'],
    ]);
    expect(agent.launched()).toHaveLength(2);
    await cron.stop();
  });

  test('bad job specs are refused with the job and the field named', () => {
    const now = T('2026-01-01T00:00:00Z');
    const bad = (jobs: unknown, message: string): void => expect(() => parseJobs(jobs, now)).toThrow(message);
    bad({}, 'expected a JSON array');
    bad([{ name: 'a', command: 'x' }], 'job a: needs either a schedule or parents');
    bad([{ name: 'a', command: 'x', schedule: 'R/2026-01-01T00:00:00Z/PT1M', parents: ['b'] }], 'exactly one of them');
    bad([{ name: 'a', command: 'x', schedule: 'R/2026-01-01T00:00:00/PT1M' }], 'job a: schedule "R/2026-01-01T00:00:00/PT1M": date-time "2026-01-01T00:00:00": needs a time zone');
    bad([{ name: 'a', command: 'x', parents: ['ghost'] }], 'job a: parent "ghost" is not a job');
    bad([{ name: 'a', command: 'x', parents: ['b'] }, { name: 'b', command: 'x', parents: ['a'] }], 'dependency cycle a -> b -> a');
    bad([{ name: 'a', command: 'x', schedule: 'R//PT1M' }, { name: 'a', command: 'y', schedule: 'R//PT1M' }], 'job a: defined twice');
    bad([{ name: 'a b', command: 'x', schedule: 'R//PT1M' }], 'jobs[0]: name must match');
    bad([{ name: 'a', command: 'x', schedule: 'R//PT1M', retries: -1 }], 'job a: retries must be an integer');
    bad([{ name: 'a', command: 'x', schedule: 'R//PT1M', resources: 'cpus:x' }], 'job a: resources:');
    bad([{ name: 'a', command: 'x', schedule: 'R//PT1M', every: 5 }], "jobs[0]: unknown field 'every'");
  });
});
