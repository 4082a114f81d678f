/**
 * A command task's checkpoint as one record of the agent's journal
 * (update-journal.ts) instead of three files in four new directories
 * (`executor.info`, `run.info`, `task.info` under
 * `frameworks/<fw>/executors/<ex>/runs/<container>/tasks/<task>/`, each
 * written through a temp file, two fsyncs and a rename, bench-launch's main
 * cost per task). The record is in the task's own stream of the journal
 * (the key of its status updates), so it is group-committed with the other
 * records of its turn, kept across compactions while the task's stream is
 * live, and written before the container is launched. A `DONE` record ends
 * it when the executor is done (its directories were a rename into the
 * trash before).
 *
 * At recovery, every COMMAND record without a DONE becomes a recovered
 * executor of its framework (whose `framework.info` is still a file),
 * beside those read from the directories (custom executors, and command
 * tasks of an agent before the journal).
 */
import { CheckpointError } from './checkpoint.js';
import type { RecoveredAgentState, RecoveredExecutor, RunInfo } from './recovery.js';
import { journalKey, type JournalStream } from './update-journal.js';
import type { ExecutorInfo, TaskInfo } from '../protocol/types.js';

/** The ids every journal record carries (its stream). */
interface StreamIds {
  readonly framework_id: string;
  readonly task_id: string;
  readonly container_id: string;
}

export type CommandRecord = StreamIds & { readonly type: 'COMMAND'; readonly executor: ExecutorInfo; readonly run: RunInfo; readonly task: TaskInfo };
export type DoneRecord = StreamIds & { readonly type: 'DONE' };

export function commandRecord(frameworkId: string, executor: ExecutorInfo, run: RunInfo, task: TaskInfo): CommandRecord {
  return { framework_id: frameworkId, task_id: task.task_id.value, container_id: run.containerId, type: 'COMMAND', executor, run, task };
}

export function doneRecord(frameworkId: string, taskId: string, containerId: string): DoneRecord {
  return { framework_id: frameworkId, task_id: taskId, container_id: containerId, type: 'DONE' };
}

export function commandKey(frameworkId: string, taskId: string, containerId: string): string {
  return journalKey(frameworkId, taskId, containerId);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** What is wrong with a COMMAND record, or undefined. */
function problem(r: Record<string, unknown>): string | undefined {
  const ex = r.executor;
  const run = r.run;
  const task = r.task;
  if (!isObject(ex) || !isObject(ex.executor_id) || typeof ex.executor_id.value !== 'string') return "'executor.executor_id' must be an id";
  if (!isObject(run) || run.containerId !== r.container_id || typeof run.directory !== 'string') return "'run' must name the record's container and a directory";
  if (!isObject(task) || !isObject(task.task_id) || task.task_id.value !== r.task_id) return "'task.task_id' must be the record's task";
  return undefined;
}

/**
 * Adds to `state` the command executors the journal at `path` holds (read
 * back as `streams`) that are not done. One whose framework has no
 * checkpoint left (removed meanwhile) is skipped, and said. A malformed
 * record is a CheckpointError naming the journal.
 */
export function addJournaledCommands(state: RecoveredAgentState, streams: ReadonlyMap<string, JournalStream>, path: string, warn: (message: string) => void): RecoveredExecutor[] {
  const added: RecoveredExecutor[] = [];
  for (const s of streams.values()) {
    const records = s.records as Record<string, unknown>[];
    const command = records.find((r) => r.type === 'COMMAND');
    if (command === undefined || records.some((r) => r.type === 'DONE')) continue;
    const bad = problem(command);
    if (bad !== undefined) throw new CheckpointError(path, `a COMMAND record of task ${String(command.task_id)}: ${bad}`);
    const c = command as unknown as CommandRecord;
    const fw = state.frameworks.find((f) => f.id === c.framework_id);
    if (fw === undefined) {
      warn(`${path}: task ${c.task_id} of framework ${c.framework_id} has no framework checkpoint: not recovered`);
      continue;
    }
    const ex: RecoveredExecutor = { info: c.executor, command: true, run: c.run, tasks: [{ info: c.task }], journaled: true };
    fw.executors.push(ex);
    added.push(ex);
  }
  return added;
}
