// A task group end to end, all real processes: `mesos-ts local` (a master and an agent), and
// `mesos-ts execute --task_group` launching 3 tasks under the default executor. The tasks share a
// file through a SANDBOX_PATH volume of the executor's sandbox: a and b each write a line, c waits
// for both lines, prints them and fails (exit 3). The group's kill policy kills a and b; every task
// reports its own final state; the executor exits by itself; no task process is left; the
// master's state and the agent's show the group's tasks under their executor.
// Also: a health check of a group task (healthy, then failing: killed, unhealthy); `task kill` of a group task.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocal, type LocalCluster } from '../../test/cluster.js';
import { alive, runBuilt, stopAll } from '../../test/processes.js';
import { tempDir } from '../../test/temp.js';
import { until } from '../../test/wait.js';

const work = tempDir('mesos-ts-task-group-test');
let cluster: LocalCluster;

beforeAll(async () => {
  cluster = await startLocal({ masters: 1, agents: 1 });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await stopAll('SIGKILL');
  await work.remove();
});

const shared = { type: 'MESOS', volumes: [{ container_path: 'shared', mode: 'RW', source: { type: 'SANDBOX_PATH', sandbox_path: { type: 'PARENT', path: 'shared' } } }] };
const resources = [
  { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
  { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
];
const task = (id: string, command: string): object => ({ name: id, task_id: { value: id }, resources, command: { value: command }, container: shared });

/** Every directory under `dir` named `name` (a small find). */
function find(dir: string, name: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const p = join(dir, e.name);
    if (e.name === name) out.push(p);
    out.push(...find(p, name));
  }
  return out;
}

describe('a task group of 3 real tasks', () => {
  test('they share a file in the sandbox; one fails, the others are killed, each reports its own final state; the executor ends', async () => {
    const file = join(work.path, 'pod.json');
    writeFileSync(
      file,
      JSON.stringify({
        tasks: [
          task('a', 'echo $$ > ../../pid-a; echo a >> shared/log; exec sleep 120'),
          task('b', 'echo $$ > ../../pid-b; echo b >> shared/log; exec sleep 120'),
          task('c', 'until [ "$(wc -l < shared/log 2>/dev/null)" -ge 2 ] 2>/dev/null; do sleep 0.05; done; sort shared/log; exit 3'),
        ],
      }),
    );
    const execute = runBuilt('cli/main.ts', ['execute', `--master=${cluster.masterList}`, '--name=pod', `--task_group=${file}`]);
    const code = await execute.done;
    const out = execute.stdout();
    expect([code, execute.stderr()]).toEqual([3, '']);
    expect(out).toContain("launching task group of 'a', 'b', 'c' on agent");
    for (const id of ['a', 'b', 'c']) expect(out).toContain(`Received status update TASK_RUNNING for task '${id}'\n  source: SOURCE_EXECUTOR\n`);
    expect(out).toContain("Received status update TASK_FAILED for task 'c'\n  message: 'Command exited with status 3'\n  source: SOURCE_EXECUTOR\n  reason: REASON_COMMAND_EXECUTOR_FAILED\n");
    for (const id of ['a', 'b']) expect(out).toMatch(new RegExp(`Received status update TASK_KILLED for task '${id}'\\n {2}message: 'Command terminated with signal \\d+'\\n {2}source: SOURCE_EXECUTOR\\n`));
    // Each task's final state comes once, c's failure first.
    const finals = [...out.matchAll(/Received status update (TASK_FAILED|TASK_KILLED|TASK_FINISHED) for task '(\w)'/g)].map((m) => `${m[2]} ${m[1]}`);
    expect(finals[0]).toBe('c TASK_FAILED');
    expect([...finals].sort()).toEqual(['a TASK_KILLED', 'b TASK_KILLED', 'c TASK_FAILED']);

    // The executor's sandbox: the shared file both wrote, c's output of it, each task's own sandbox under tasks/.
    const [run] = find(join(cluster.workDir, 'agent1'), 'pod-executor').map((d) => join(d, 'runs', 'latest'));
    expect(readFileSync(join(run!, 'shared', 'log'), 'utf8').split('\n').sort()).toEqual(['', 'a', 'b']);
    expect(readFileSync(join(run!, 'tasks', 'c', 'stdout'), 'utf8')).toBe('a\nb\n');
    expect(readFileSync(join(run!, 'stderr'), 'utf8')).toContain('nothing runs any more; exiting with 0');
    for (const id of ['a', 'b']) {
      const pid = Number(readFileSync(join(run!, `pid-${id}`), 'utf8'));
      expect([id, alive(pid)]).toEqual([id, false]);
    }

    // `mesos-ts cat` finds a group task's own sandbox (tasks/<id> under the executor's).
    const cat = runBuilt('cli/main.ts', ['cat', 'c', `--master=${cluster.masterList}`]);
    expect([await cat.done, cat.stdout()]).toEqual([0, 'a\nb\n']);

    // --kill_after kills the first task to run, and so the group; --env reaches every task.
    writeFileSync(file, JSON.stringify({ tasks: [task('x', 'echo "$WHO" > ../../who-x; exec sleep 120'), task('y', 'echo "$WHO" > ../../who-y; exec sleep 120')] }));
    const killed = runBuilt('cli/main.ts', ['execute', `--master=${cluster.masterList}`, '--name=pod2', `--task_group=${file}`, '--kill_after=1secs', '--env={"WHO":"the group"}']);
    expect(await killed.done).toBe(137);
    expect(killed.stdout()).toMatch(/killing task [xy] after 1secs/);
    for (const id of ['x', 'y']) expect(killed.stdout()).toMatch(new RegExp(`Received status update TASK_KILLED for task '${id}'`));
    const [run2] = find(join(cluster.workDir, 'agent1'), 'pod2-executor').map((d) => join(d, 'runs', 'latest'));
    for (const id of ['x', 'y']) expect(readFileSync(join(run2!, `who-${id}`), 'utf8')).toBe('the group\n');

    const state = (await (await fetch(`${cluster.leader}/master/state`)).json()) as { completed_frameworks: { name: string; completed_tasks: { id: string; state: string; executor_id: string }[]; completed_executors?: unknown[] }[] };
    const fw = state.completed_frameworks.find((f) => f.name === 'pod')!;
    expect(fw.completed_tasks.map((t) => [t.id, t.state, t.executor_id]).sort()).toEqual([
      ['a', 'TASK_KILLED', 'pod-executor'],
      ['b', 'TASK_KILLED', 'pod-executor'],
      ['c', 'TASK_FAILED', 'pod-executor'],
    ]);
  }, 90_000);

  test('a health check under the default executor: healthy, then failing past its consecutive failures, the task is killed and ends unhealthy', async () => {
    const file = join(work.path, 'health.json');
    // Healthy while the marker file exists; it removes the marker after a while, and the checks fail from then on.
    const check = { type: 'COMMAND', command: { value: 'test -f marker' }, delay_seconds: 0, interval_seconds: 0.2, grace_period_seconds: 0, consecutive_failures: 2, timeout_seconds: 5 };
    writeFileSync(file, JSON.stringify({ tasks: [{ ...task('w', 'touch marker; sleep 1; rm marker; exec sleep 120'), health_check: check }] }));
    const execute = runBuilt('cli/main.ts', ['execute', `--master=${cluster.masterList}`, '--name=checked', `--task_group=${file}`]);
    await execute.done;
    const out = execute.stdout();
    expect(out).toMatch(/Received status update TASK_RUNNING for task 'w'\n(  .*\n)*  healthy\?: true\n/);
    expect(out).toMatch(/Received status update TASK_RUNNING for task 'w'\n  message: 'COMMAND health check failed: exited with status 1'\n(  .*\n)*  healthy\?: false\n/);
    expect(out).toMatch(/Received status update TASK_KILLED for task 'w'\n(  .*\n)*  healthy\?: false\n/);
  }, 60_000);

  test('`mesos-ts task kill` of a group task kills its own nested container: it ends TASK_KILLED, its group with it', async () => {
    const file = join(work.path, 'kill.json');
    writeFileSync(file, JSON.stringify({ tasks: [task('k1', 'exec sleep 120'), task('k2', 'exec sleep 120')] }));
    const execute = runBuilt('cli/main.ts', ['execute', `--master=${cluster.masterList}`, '--name=killme', `--task_group=${file}`]);
    await until('both tasks running', () => (execute.stdout().includes("TASK_RUNNING for task 'k1'") && execute.stdout().includes("TASK_RUNNING for task 'k2'") ? true : undefined), { everyMs: 50, limitMs: 30_000 });
    const kill = runBuilt('cli/main.ts', ['task', 'kill', 'k1', `--master=${cluster.masterList}`]);
    expect(await kill.done).toBe(0);
    expect(kill.stdout()).toMatch(/killing task k1 \(container [\w-]+ under [\w-]+ on /);
    expect(kill.stdout()).toContain('task k1 is in state TASK_KILLED');
    await execute.done;
    expect(execute.stdout()).toMatch(/Received status update TASK_KILLED for task 'k1'/);
    expect(execute.stdout()).toMatch(/Received status update TASK_KILLED for task 'k2'/);
  }, 60_000);
});
