/**
 * The built-in command executor's logic (Mesos's src/launcher/executor.cpp),
 * run inside the agent rather than as a process per task: how a TaskInfo's
 * command and resources become a container launch, and how a container's
 * termination becomes the task's terminal status.
 */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskState, TaskStatusReason } from '../protocol/task-states.js';
import type { CommandInfo, KillPolicy, Resource } from '../protocol/types.js';
import { DEFAULT_KILL_GRACE_PERIOD_MS, type CommandSpec, type ContainerTermination, type Limits } from './containerizer/index.js';

/** CommandInfo → the containerizer's CommandSpec (shell unless `shell: false`). */
export function commandSpec(cmd: CommandInfo): CommandSpec {
  const spec: CommandSpec = { shell: cmd.shell !== false };
  if (cmd.value !== undefined) spec.value = cmd.value;
  if (cmd.arguments !== undefined) spec.arguments = [...cmd.arguments];
  const env: Record<string, string> = {};
  for (const v of cmd.environment?.variables ?? []) if (v.value !== undefined && (v.type ?? 'VALUE') === 'VALUE') env[v.name] = v.value;
  if (Object.keys(env).length > 0) spec.environment = env;
  return spec;
}

/** Why a command cannot run, or undefined. */
export function commandError(cmd: CommandInfo | undefined, hasImage = false): string | undefined {
  if (!cmd) return 'no command';
  if (cmd.shell !== false && !cmd.value) return "a shell command needs a 'value'";
  // With an image, shell: false and no value runs the image's Entrypoint/Cmd (docker/runtime).
  if (cmd.shell === false && !cmd.value && !hasImage) return "a command with 'shell: false' needs a 'value' (the executable)";
  return undefined;
}

/** Limits from the task's (and executor's) resources: the scalars cpus, mem, disk, gpus, and the ports. */
export function limitsOf(resources: readonly Resource[] | undefined): Limits {
  const sum = (name: string): number | undefined => {
    let total = 0;
    let found = false;
    for (const r of resources ?? []) {
      if (r.name === name && r.scalar) {
        total += r.scalar.value;
        found = true;
      }
    }
    return found ? total : undefined;
  };
  const limits: Limits = {};
  const cpus = sum('cpus');
  const mem = sum('mem');
  const disk = sum('disk');
  if (cpus !== undefined) limits.cpus = cpus;
  if (mem !== undefined) limits.memMb = mem;
  if (disk !== undefined) limits.diskMb = disk;
  const gpus = sum('gpus');
  if (gpus !== undefined && gpus > 0) limits.gpus = gpus;
  const ports = (resources ?? []).filter((r) => r.name === 'ports').flatMap((r) => (r.ranges?.range ?? []).map((x): [number, number] => [Number(x.begin), Number(x.end)]));
  if (ports.length > 0) limits.ports = ports;
  return limits;
}

/** The grace period of a kill: the kill request's policy, else the task's, else 3 s. */
export function killGraceMs(taskPolicy: KillPolicy | undefined, requestPolicy?: KillPolicy): number {
  const p = requestPolicy?.grace_period ?? taskPolicy?.grace_period;
  return p !== undefined ? Math.max(0, Math.round(p.nanoseconds / 1e6)) : DEFAULT_KILL_GRACE_PERIOD_MS;
}

/** The last `maxLines` lines (at most `maxBytes`) of the sandbox's stderr; '' when empty or absent. */
export async function stderrTail(sandbox: string, maxBytes = 1024, maxLines = 10): Promise<string> {
  const path = join(sandbox, 'stderr');
  try {
    const size = (await stat(path)).size;
    if (size === 0) return '';
    const start = Math.max(0, size - maxBytes);
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      const lines = buf.toString('utf8').replace(/\n+$/, '').split('\n');
      return lines.slice(-maxLines).join('\n');
    } finally {
      await fh.close();
    }
  } catch {
    return '';
  }
}

export interface TerminalStatus {
  state: TaskState;
  reason?: TaskStatusReason;
  message: string;
}

export const UNOBSERVED_EXIT =
  'The task exited while the agent was restarting: its exit code could not be observed (the agent is not the parent of the recovered process)';

/**
 * A command task's terminal status from its container's termination (and
 * stderr's tail): TASK_KILLED when killed, TASK_FAILED with the limitation's
 * reason, TASK_FINISHED on status 0, else TASK_FAILED with
 * REASON_COMMAND_EXECUTOR_FAILED and 'Command exited with status N' plus the
 * stderr tail. A status that could not be observed (a recovered container)
 * is TASK_FAILED saying so.
 */
export function terminalStatus(t: ContainerTermination, killRequested: boolean, tail: string): TerminalStatus {
  const withTail = (m: string): string => (tail ? `${m}. Last stderr:\n${tail}` : m);
  if (t.limitation) return { state: 'TASK_FAILED', reason: t.limitation.reason, message: t.limitation.message };
  if (killRequested || t.killed) return { state: 'TASK_KILLED', message: t.status?.message ?? 'Command terminated by a kill request' };
  if (t.status === null) return { state: 'TASK_FAILED', reason: 'REASON_EXECUTOR_TERMINATED', message: withTail(t.message.includes('vanished') ? t.message : UNOBSERVED_EXIT) };
  if (t.status.code === 0) return { state: 'TASK_FINISHED', message: t.status.message };
  return { state: 'TASK_FAILED', reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: withTail(t.status.message) };
}
