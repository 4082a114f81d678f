/**
 * What `mesos-ts execute` prints and reads, as pure functions: each status
 * update as mesos-execute prints it (state, then message, source and reason
 * when present), the exit status a last status gives, and --env (a JSON object
 * inline, or the path of a file holding one).
 */
import { readFileSync } from 'node:fs';
import type { TaskStatus } from '../protocol/types.js';

/** The lines mesos-execute prints for a status update. */
export function statusLines(status: TaskStatus): string[] {
  const lines = [`Received status update ${status.state} for task '${status.task_id.value}'`];
  if (status.message !== undefined && status.message !== '') lines.push(`  message: '${status.message.replace(/\n/g, '\n    ')}'`);
  if (status.source !== undefined) lines.push(`  source: ${status.source}`);
  if (status.reason !== undefined) lines.push(`  reason: ${status.reason}`);
  if (status.healthy !== undefined) lines.push(`  healthy?: ${status.healthy}`);
  return lines;
}

/** The exit status `mesos-ts execute` ends with for a task's last status. */
export function exitStatusOf(status: TaskStatus): number {
  if (status.state === 'TASK_FINISHED') return 0;
  const exited = /exited with status (\d+)/.exec(status.message ?? '');
  if (exited) return Number(exited[1]);
  if (/terminated with signal/.test(status.message ?? '') || status.state === 'TASK_KILLED') return 137;
  return 1;
}

/** The exit status of a task group: 0 when every task finished, else that of the first task (in `ended`'s order) that did not. */
export function groupExitStatus(ended: readonly TaskStatus[]): number {
  const bad = ended.find((s) => s.state !== 'TASK_FINISHED');
  return bad === undefined ? 0 : exitStatusOf(bad);
}

/**
 * --env: `{"NAME": "value", ...}` inline (it starts with `{`), else the path
 * of a file holding such an object (`file://` allowed, as Mesos's JSON flags).
 * Values must be strings, numbers or booleans; errors name the flag and the key.
 */
export function parseEnv(text: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): Record<string, string> {
  const inline = text.trimStart().startsWith('{');
  let source = text;
  if (!inline) {
    const path = text.replace(/^file:\/\//, '');
    try {
      source = read(path);
    } catch (err) {
      throw new Error(`--env=${text}: neither a JSON object nor a readable file (${(err as Error).message})`);
    }
  }
  const where = inline ? `--env=${text}` : `--env=${text} (the file)`;
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    throw new Error(`${where}: not JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: expected a JSON object of NAME: value`);
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`${where}: '${name}' is not an environment variable name`);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new Error(`${where}: the value of '${name}' is not a string, number or boolean`);
    out[name] = String(v);
  }
  return out;
}
