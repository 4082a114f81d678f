/**
 * The default executor program (Mesos's mesos-default-executor), run by the
 * agent for an ExecutorInfo of type DEFAULT: subscribes over the v1
 * executor API, runs each LAUNCH_GROUP through executor.ts, and exits when
 * nothing runs. Its environment is what the agent gives every executor
 * (MESOS_AGENT_ENDPOINT, MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID,
 * MESOS_SANDBOX, MESOS_EXECUTOR_AUTHENTICATION_TOKEN, MESOS_CHECKPOINT,
 * MESOS_RECOVERY_TIMEOUT, MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD). When its
 * agent goes away, a checkpointing executor subscribes again (every second,
 * for the recovery timeout) with what is unacknowledged, and waits on its
 * tasks' containers again (the agent recovers them); another exits.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
// The clock alone, not the whole runtime: this program starts once per task group (libprocess-ts/real-clock).
import { realClock } from 'libprocess-ts/real-clock';
import type { ExecutorEvent } from '../../protocol/json/index.js';
import { DURATION_EXAMPLES, parseDurationMs } from '../../protocol/durations.js';
import { AgentApi, HttpError } from './agent-api.js';
import { DefaultExecutor, type ExecutorPort } from './executor.js';
import { HealthChecker } from '../health.js';

function need(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') {
    process.stderr.write(`mesos-ts default executor: ${name} is not set (this program is run by the agent)\n`);
    process.exit(1);
  }
  return v;
}

function log(message: string): void {
  process.stderr.write(`[default-executor] ${message}\n`);
}

const executorId = need('MESOS_EXECUTOR_ID');
const sandbox = process.env.MESOS_SANDBOX ?? process.cwd();
const checkpoint = process.env.MESOS_CHECKPOINT === '1';
function duration(name: string, fallbackMs: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallbackMs;
  const ms = parseDurationMs(text);
  if (ms === undefined) {
    process.stderr.write(`mesos-ts default executor: ${name}='${text}' is not a duration (${DURATION_EXAMPLES})\n`);
    process.exit(1);
  }
  return ms;
}

const recoveryMs = duration('MESOS_RECOVERY_TIMEOUT', 15 * 60_000);
const shutdownGraceMs = duration('MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD', 5000);
const api = new AgentApi({ endpoint: need('MESOS_AGENT_ENDPOINT'), frameworkId: need('MESOS_FRAMEWORK_ID'), executorId, token: process.env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN });

let exiting = false;

/**
 * A call whose connection broke (the agent restarting) is made again every second until the
 * agent answers; an answer (even an error) ends it. A checkpointing executor waits like this for
 * its agent for the recovery timeout (the subscription's retries exit after it).
 */
async function untilAnswered<T>(call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (e) {
      if (e instanceof HttpError || !checkpoint) throw e;
      await new Promise<void>((r) => realClock.timer(1000, r));
    }
  }
}
const port: ExecutorPort = {
  launch: (c, task) => api.launch(c, task),
  wait: (c) => untilAnswered(() => api.wait(c)),
  kill: (c, signal) => api.kill(c, signal),
  remove: (c) => api.remove(c),
  linkSandbox: async (taskId, child) => {
    await mkdir(join(sandbox, 'tasks'), { recursive: true });
    await symlink(join('..', 'containers', child), join(sandbox, 'tasks', taskId));
  },
  update: (status) => api.update(status),
  healthCheck: (task, onResult) => {
    // From the task's sandbox (tasks/<id>), with the executor's environment and the task's MESOS_SANDBOX.
    const cwd = join(sandbox, 'tasks', task.task_id.value);
    const env: Record<string, string> = { ...(process.env as Record<string, string>), MESOS_SANDBOX: cwd };
    for (const v of task.command?.environment?.variables ?? []) if (v.value !== undefined) env[v.name] = v.value;
    const checker = new HealthChecker(task.health_check!, { delay: (ms, fn) => realClock.timer(ms, fn), defer: (fn) => fn, now: () => realClock.now(), env, cwd }, onResult);
    checker.start();
    return checker;
  },
  delay: (ms, fn) => realClock.timer(ms, fn),
  newId: () => randomUUID(),
  newUuid: () => {
    const hex = randomUUID().replace(/-/g, '');
    return new Uint8Array(Buffer.from(hex, 'hex'));
  },
  now: () => realClock.now(),
  log,
  exit: (code) => {
    exiting = true;
    log(`nothing runs any more; exiting with ${code}`);
    process.exitCode = code;
    process.exit(code);
  },
};
const executor = new DefaultExecutor(port);

function onEvent(e: ExecutorEvent): void {
  switch (e.type) {
    case 'SUBSCRIBED': {
      const s = e.subscribed!;
      const container = s.container_id ?? { value: need('MESOS_CONTAINER_ID') };
      executor.subscribed(executorId, container, (s.framework_info.capabilities ?? []).map((c) => c.type ?? ''));
      log(`subscribed to agent ${s.agent_info.id?.value ?? ''} in container ${container.value}`);
      disconnectedAt = undefined;
      break;
    }
    case 'LAUNCH_GROUP':
      executor.launchGroup(e.launch_group!.task_group.tasks);
      break;
    case 'LAUNCH':
      log(`a LAUNCH of task ${e.launch?.task.task_id.value ?? ''}: the default executor runs task groups only; ignored`);
      break;
    case 'KILL':
      executor.kill(e.kill!.task_id.value, e.kill!.kill_policy);
      break;
    case 'ACKNOWLEDGED':
      executor.acknowledged(e.acknowledged!.uuid);
      break;
    case 'SHUTDOWN':
      executor.shutdown(shutdownGraceMs);
      break;
    case 'ERROR':
      log(`the agent reports an error: ${e.error?.message ?? ''}`);
      break;
    default:
      break; // HEARTBEAT, MESSAGE
  }
}

let disconnectedAt: number | undefined;
function subscribe(): void {
  api.subscribe(executor.unacknowledged(), onEvent, (why) => {
    if (exiting) return;
    disconnectedAt ??= realClock.now();
    if (!checkpoint || realClock.now() - disconnectedAt > recoveryMs) {
      log(`lost the agent (${why}); ${checkpoint ? `not back within ${recoveryMs} ms` : 'the framework does not checkpoint'}: exiting`);
      process.exit(1);
    }
    realClock.timer(1000, subscribe);
  });
}

process.on('SIGTERM', () => {
  log('SIGTERM: killing the tasks');
  executor.shutdown(0);
  realClock.timer(shutdownGraceMs, () => process.exit(1));
});
subscribe();
