// The default executor's logic with a scripted port (no processes): each task
// in its own nested container under the executor's, TASK_RUNNING once
// launched, its own terminal state from WAIT; a failed or killed task takes
// its group down (SIGTERM, SIGKILL after the grace period) but not another
// group; the executor exits once nothing runs and its updates are
// acknowledged, or after ACK_WAIT_MS.
import { describe, expect, test } from '@jest/globals';
import type { ContainerID } from '../../../protocol/ids.js';
import type { TaskInfo, TaskStatus } from '../../../protocol/types.js';
import { ACK_WAIT_MS, DEFAULT_GRACE_MS, DefaultExecutor, terminalOf, type ExecutorPort, type Waited } from '../executor.js';
import type { HealthResult } from '../../health.js';

interface Pending<T> {
  resolve(v: T): void;
  reject(e: Error): void;
}

class ScriptedPort implements ExecutorPort {
  readonly calls: string[] = [];
  readonly updates: TaskStatus[] = [];
  readonly waits = new Map<string, Pending<Waited>>();
  readonly launches = new Map<string, Pending<void>>();
  readonly timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  exited: number | undefined;
  #ids = 0;
  #uuids = 0;
  time = 0;

  launch(c: ContainerID, task: TaskInfo): Promise<void> {
    this.calls.push(`launch ${task.task_id.value} ${c.value} under ${c.parent?.value}`);
    return new Promise((resolve, reject) => this.launches.set(c.value, { resolve, reject }));
  }
  wait(c: ContainerID): Promise<Waited> {
    return new Promise((resolve, reject) => this.waits.set(c.value, { resolve, reject }));
  }
  kill(c: ContainerID, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    this.calls.push(`kill ${c.value} ${signal}`);
    return Promise.resolve();
  }
  remove(c: ContainerID): Promise<void> {
    this.calls.push(`remove ${c.value}`);
    return Promise.resolve();
  }
  linkSandbox(taskId: string, child: string): Promise<void> {
    this.calls.push(`link tasks/${taskId} -> containers/${child}`);
    return Promise.resolve();
  }
  update(status: TaskStatus): Promise<void> {
    this.updates.push(status);
    return Promise.resolve();
  }
  /** Health checks started, by task id: the test plays their results (agent/health.ts runs the real ones). */
  readonly health = new Map<string, { onResult: (r: HealthResult) => void; stopped: boolean }>();
  healthCheck(task: TaskInfo, onResult: (r: HealthResult) => void): { stop(): void } {
    const h = { onResult, stopped: false };
    this.health.set(task.task_id.value, h);
    return { stop: () => void (h.stopped = true) };
  }
  delay(ms: number, fn: () => void): { cancel(): void } {
    const t = { at: this.time + ms, fn, cancelled: false };
    this.timers.push(t);
    return { cancel: () => (t.cancelled = true) };
  }
  advance(ms: number): void {
    this.time += ms;
    for (const t of this.timers.filter((x) => !x.cancelled && x.at <= this.time)) {
      t.cancelled = true;
      t.fn();
    }
  }
  newId(): string {
    return `c${++this.#ids}`;
  }
  newUuid(): Uint8Array {
    return new Uint8Array(16).fill(++this.#uuids);
  }
  now(): number {
    return this.time;
  }
  log(): void {}
  exit(code: number): void {
    this.exited = code;
  }
  states(taskId: string): string[] {
    return this.updates.filter((u) => u.task_id.value === taskId).map((u) => u.state);
  }
  ackAll(ex: DefaultExecutor): void {
    for (const u of [...this.updates]) ex.acknowledged(u.uuid!);
  }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
const task = (id: string, grace?: number): TaskInfo => ({ name: id, task_id: { value: id }, agent_id: { value: 'S0' }, command: { value: `run ${id}` }, ...(grace !== undefined ? { kill_policy: { grace_period: { nanoseconds: grace * 1e6 } } } : {}) });
const exit = (code: number): Waited => ({ exit_status: code << 8, message: `exited ${code}` });
const signalled = (sig: number): Waited => ({ exit_status: sig, state: 'TASK_KILLED', message: `signal ${sig}` });

async function started(ids: string[], capabilities: string[] = []): Promise<{ port: ScriptedPort; ex: DefaultExecutor }> {
  const port = new ScriptedPort();
  const ex = new DefaultExecutor(port);
  ex.subscribed('pod', { value: 'parent' }, capabilities);
  ex.launchGroup(ids.map((id) => task(id)));
  for (const l of port.launches.values()) l.resolve();
  await flush();
  return { port, ex };
}

describe('the default executor', () => {
  test('each task in its own nested container, linked as tasks/<id>; all finish: the executor exits once acknowledged', async () => {
    const { port, ex } = await started(['a', 'b']);
    expect(port.calls.slice(0, 2)).toEqual(['launch a c1 under parent', 'launch b c2 under parent']);
    expect(port.calls).toContain('link tasks/a -> containers/c1');
    expect(port.states('a')).toEqual(['TASK_RUNNING']);
    expect(port.updates[0]!.container_status).toEqual({ container_id: { value: 'c1', parent: { value: 'parent' } } });
    expect(port.updates[0]!.source).toBe('SOURCE_EXECUTOR');
    port.waits.get('c1')!.resolve(exit(0));
    port.waits.get('c2')!.resolve(exit(0));
    await flush();
    expect(port.states('a')).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(port.states('b')).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(port.calls).toContain('remove c1');
    expect(port.exited).toBeUndefined(); // updates not acknowledged yet
    port.ackAll(ex);
    expect(port.exited).toBe(0);
  });

  test('one task fails: the rest of its group is killed (SIGTERM, SIGKILL after the grace period), each reports its own state', async () => {
    const { port, ex } = await started(['a', 'b', 'c'], ['TASK_KILLING_STATE']);
    port.waits.get('c3')!.resolve(exit(3));
    await flush();
    expect(port.states('c')).toEqual(['TASK_RUNNING', 'TASK_FAILED']);
    expect(port.updates.find((u) => u.state === 'TASK_FAILED')!.message).toBe('Command exited with status 3');
    expect(port.states('a')).toEqual(['TASK_RUNNING', 'TASK_KILLING']);
    expect(port.calls.filter((c) => c.startsWith('kill'))).toEqual(['kill c1 SIGTERM', 'kill c2 SIGTERM']);
    port.waits.get('c1')!.resolve(signalled(15));
    await flush();
    port.advance(DEFAULT_GRACE_MS);
    expect(port.calls.filter((c) => c.startsWith('kill'))).toEqual(['kill c1 SIGTERM', 'kill c2 SIGTERM', 'kill c2 SIGKILL']);
    port.waits.get('c2')!.resolve(signalled(9));
    await flush();
    expect(port.states('a')).toEqual(['TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
    expect(port.states('b')).toEqual(['TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
    // Not acknowledged: it exits after ACK_WAIT_MS anyway (the agent holds the updates).
    port.advance(ACK_WAIT_MS - 1);
    expect(port.exited).toBeUndefined();
    port.advance(1);
    expect(port.exited).toBe(0);
    expect(ex.tasks.size).toBe(3);
  });

  test('KILL of one task kills its group with the task kill policy, not another group', async () => {
    const port = new ScriptedPort();
    const ex = new DefaultExecutor(port);
    ex.subscribed('pod', { value: 'parent' }, []);
    ex.launchGroup([task('a', 0), task('b', 0)]);
    ex.launchGroup([task('x')]);
    for (const l of port.launches.values()) l.resolve();
    await flush();
    ex.kill('a');
    expect(port.calls.filter((c) => c.startsWith('kill'))).toEqual(['kill c1 SIGKILL', 'kill c2 SIGKILL']);
    port.waits.get('c1')!.resolve(signalled(9));
    port.waits.get('c2')!.resolve(signalled(9));
    await flush();
    expect(port.states('a').at(-1)).toBe('TASK_KILLED');
    expect(port.states('b').at(-1)).toBe('TASK_KILLED');
    expect(port.states('x')).toEqual(['TASK_RUNNING']);
    port.ackAll(ex);
    expect(port.exited).toBeUndefined(); // x still runs
    port.waits.get('c3')!.resolve(exit(0));
    await flush();
    port.ackAll(ex);
    expect(port.exited).toBe(0);
  });

  test('a launch that fails fails its task and kills the rest of the group; a task killed while launching ends killed', async () => {
    const port = new ScriptedPort();
    const ex = new DefaultExecutor(port);
    ex.subscribed('pod', { value: 'parent' }, []);
    ex.launchGroup([task('a'), task('b'), task('c')]);
    port.launches.get('c1')!.reject(new Error('no such user'));
    await flush();
    expect(port.states('a')).toEqual(['TASK_FAILED']);
    expect(port.updates[0]!.reason).toBe('REASON_CONTAINER_LAUNCH_FAILED');
    // b and c were still launching: they are killed as soon as they run, and end killed.
    port.launches.get('c2')!.resolve();
    port.launches.get('c3')!.reject(new Error('gone'));
    await flush();
    expect(port.calls).toContain('kill c2 SIGKILL');
    expect(port.states('c')).toEqual(['TASK_KILLED']);
    port.waits.get('c2')!.resolve(signalled(9));
    await flush();
    expect(port.states('b')).toEqual(['TASK_KILLED']);
    port.ackAll(ex);
    expect(port.exited).toBe(0);
  });

  test('SHUTDOWN kills everything; with nothing launched the executor exits at once; unacknowledged() for resubscribing', async () => {
    const { port, ex } = await started(['a']);
    expect(ex.unacknowledged().tasks.map((t) => t.task_id.value)).toEqual(['a']);
    expect(ex.unacknowledged().updates.map((u) => u.state)).toEqual(['TASK_RUNNING']);
    ex.shutdown(0);
    expect(port.calls.filter((c) => c.startsWith('kill'))).toEqual(['kill c1 SIGKILL']);
    port.waits.get('c1')!.resolve(signalled(9));
    await flush();
    port.ackAll(ex);
    expect(ex.unacknowledged()).toEqual({ tasks: [], updates: [] });
    expect(port.exited).toBe(0);

    const idle = new ScriptedPort();
    const none = new DefaultExecutor(idle);
    none.subscribed('pod', { value: 'p' }, []);
    none.shutdown(1000);
    expect(idle.exited).toBe(0);
  });

  test('health checks: TASK_RUNNING with healthy on each change; past the consecutive failures the task is killed, its group with it, its end says unhealthy', async () => {
    const port = new ScriptedPort();
    const ex = new DefaultExecutor(port);
    ex.subscribed('pod', { value: 'parent' }, []);
    const web: TaskInfo = { ...task('web'), health_check: { type: 'HTTP', http: { port: 8080, path: '/ok' }, consecutive_failures: 2 } };
    ex.launchGroup([web, task('side')]);
    ex.launchGroup([task('elsewhere')]);
    for (const l of port.launches.values()) l.resolve();
    await flush();
    // Only the task with a health check is checked, once it runs.
    expect([...port.health.keys()]).toEqual(['web']);
    const h = port.health.get('web')!;
    h.onResult({ healthy: true, kill: false, message: 'HTTP health check returned 200', consecutiveFailures: 0 });
    h.onResult({ healthy: false, kill: false, message: 'HTTP health check returned 503', consecutiveFailures: 1 });
    const running = port.updates.filter((u) => u.task_id.value === 'web' && u.state === 'TASK_RUNNING');
    expect(running.map((u) => [u.healthy, u.reason, u.message])).toEqual([
      [undefined, undefined, undefined],
      [true, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', 'HTTP health check returned 200'],
      [false, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', 'HTTP health check returned 503'],
    ]);
    h.onResult({ healthy: false, kill: true, message: 'HTTP health check returned 503', consecutiveFailures: 2 });
    // Killed (SIGTERM); once it ended, the rest of its group (as Mesos); the other group runs on.
    expect(port.calls.filter((c) => c.startsWith('kill'))).toEqual(['kill c1 SIGTERM']);
    port.waits.get('c1')!.resolve(signalled(15));
    await flush();
    expect(port.calls.filter((c) => c.startsWith('kill'))).toEqual(['kill c1 SIGTERM', 'kill c2 SIGTERM']);
    port.waits.get('c2')!.resolve(signalled(15));
    await flush();
    const end = port.updates.filter((u) => u.task_id.value === 'web').at(-1)!;
    expect([end.state, end.healthy]).toEqual(['TASK_KILLED', false]);
    expect(port.states('side').at(-1)).toBe('TASK_KILLED');
    expect(port.states('elsewhere')).toEqual(['TASK_RUNNING']);
    expect(h.stopped).toBe(true);
  });

  test('a task with an unusable health check fails before it runs, naming why; its group goes down', async () => {
    const port = new ScriptedPort();
    const ex = new DefaultExecutor(port);
    ex.subscribed('pod', { value: 'parent' }, []);
    ex.launchGroup([{ ...task('bad'), health_check: { type: 'TCP' } }, task('mate')]);
    for (const l of port.launches.values()) l.resolve();
    await flush();
    const bad = port.updates.find((u) => u.task_id.value === 'bad')!;
    expect([bad.state, bad.reason, bad.message]).toEqual(['TASK_FAILED', 'REASON_TASK_INVALID', 'Invalid health check: TCP health check without a port']);
    expect(port.calls.some((c) => c.startsWith('launch bad'))).toBe(false);
    // Its mate was killed while its container launched: it ends at once (SIGKILL).
    expect(port.calls.filter((c) => c.startsWith('kill'))).toEqual(['kill c2 SIGKILL']);
  });

  test('terminal states from wait statuses', () => {
    expect(terminalOf({ exit_status: 0 }, false).state).toBe('TASK_FINISHED');
    expect(terminalOf({ exit_status: 3 << 8 }, false)).toEqual({ state: 'TASK_FAILED', reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: 'Command exited with status 3' });
    expect(terminalOf({ exit_status: 9 }, true)).toEqual({ state: 'TASK_KILLED', message: 'Command terminated with signal 9' });
    expect(terminalOf({ exit_status: 0 }, true).state).toBe('TASK_KILLED');
    expect(terminalOf({ exit_status: 9, reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: 'Memory limit exceeded' }, false)).toEqual({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: 'Memory limit exceeded' });
    expect(terminalOf({ message: 'vanished' }, false)).toEqual({ state: 'TASK_FAILED', reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: 'vanished' });
  });
});
