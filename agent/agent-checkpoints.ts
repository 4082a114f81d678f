/**
 * What the agent checkpoints under `<work_dir>/meta` as it runs (the layout
 * and the atomic writes are checkpoint.ts's): its id and AgentInfo once
 * registered, each checkpointing framework's FrameworkInfo, each executor's
 * ExecutorInfo and run, each task's TaskInfo, and the directories of what
 * ended. The status-update journal (`updates.journal`) is the
 * StatusUpdateManager's (status-updates.ts, update-journal.ts), at the place
 * `updatesPlace` gives; before it compacts away ended tasks' updates, the
 * removal of their directories is made durable (`syncDiscarded`).
 * `resources.info` is AgentReservations' (resources-checkpoint.ts).
 * Also the highest leader term heard (`master_term`), so that a restarted
 * agent still refuses a deposed leader's messages.
 * Everything goes through the agent's AgentDisk, so `sim/` models it.
 */
import {
  CheckpointError,
  agentInfoPath,
  discardCheckpointDir,
  executorInfoPath,
  executorMetaDir,
  frameworkInfoPath,
  frameworkMetaDir,
  latestAgentPath,
  masterTermPath,
  readJSON,
  removeCheckpointDir,
  recordLine,
  runInfoPath,
  taskInfoPath,
  updatesJournalPath,
  writeAtomic,
  writeJSONAtomic,
} from './checkpoint.js';
import { commandKey, commandRecord, doneRecord } from './command-checkpoint.js';
import type { AgentCore } from './core.js';
import type { RunInfo } from './recovery.js';
import { checkpointing, type ExecutorRecord, type FrameworkRecord } from './state.js';
import type { TaskInfo } from '../protocol/types.js';
import type { StreamPlace } from './status-updates.js';
import { dirname } from 'node:path';

export class AgentCheckpoints {
  /** Directories whose entries were moved to the trash since the last `syncDiscarded`. */
  readonly #discardedFrom = new Set<string>();

  constructor(private readonly a: Pick<AgentCore, 'flags' | 'disk' | 'agentId' | 'agentInfo' | 'sum'>) {}

  get #w(): string {
    return this.a.flags.work_dir;
  }

  /** The agent's id, once the master gave it: `slave.info` and `slaves/latest`. */
  agentRegistered(agentId: string): void {
    writeJSONAtomic(agentInfoPath(this.#w, agentId), this.a.agentInfo(), this.a.flags.fsync, this.a.disk);
    writeAtomic(latestAgentPath(this.#w), agentId + '\n', this.a.flags.fsync, this.a.disk);
  }

  /** A shut-down agent does not recover its old self: the next start registers afresh. */
  forgetAgent(): void {
    removeCheckpointDir(latestAgentPath(this.#w), this.a.disk);
  }

  /**
   * The highest leader term heard, written (and fsync'ed) before the agent
   * acts on the message that raised it: the fencing must outlive a restart.
   */
  masterTerm(term: number): void {
    writeJSONAtomic(masterTermPath(this.#w), { term }, this.a.flags.fsync, this.a.disk);
  }

  /** The checkpointed term (0 when none); a CheckpointError naming the file when it is not `{"term": <integer ≥ 0>}`. */
  recoverMasterTerm(): number {
    const path = masterTermPath(this.#w);
    const raw = readJSON(path, this.a.disk);
    if (raw === undefined) return 0;
    const term = (raw as { term?: unknown } | null)?.term;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || typeof term !== 'number' || !Number.isSafeInteger(term) || term < 0) {
      throw new CheckpointError(path, `expected {"term": <a non-negative integer>}, found ${JSON.stringify(raw).slice(0, 80)}`);
    }
    return term;
  }

  /** --recover=cleanup starts a new agent: the term heard goes too (as after the cluster's masters were rebuilt). */
  forgetMasterTerm(): void {
    removeCheckpointDir(masterTermPath(this.#w), this.a.disk);
  }

  framework(fw: FrameworkRecord): void {
    if (!checkpointing(fw) || !this.a.agentId) return;
    writeJSONAtomic(frameworkInfoPath(this.#w, this.a.agentId, fw.id), { info: fw.info, ...(fw.pid !== undefined ? { pid: fw.pid } : {}) }, this.a.flags.fsync, this.a.disk);
  }

  executor(fw: FrameworkRecord, ex: ExecutorRecord): void {
    if (!checkpointing(fw) || !this.a.agentId) return;
    writeJSONAtomic(executorInfoPath(this.#w, this.a.agentId, fw.id, ex.id), { info: ex.info, command: ex.command }, this.a.flags.fsync, this.a.disk);
    this.run(fw, ex);
  }

  run(fw: FrameworkRecord, ex: ExecutorRecord): void {
    if (!checkpointing(fw) || !this.a.agentId) return;
    const run: RunInfo = { containerId: ex.containerId, directory: ex.directory };
    if (ex.pid) run.pid = ex.pid.toString();
    writeJSONAtomic(runInfoPath(this.#w, this.a.agentId, fw.id, ex.id, ex.containerId), run, this.a.flags.fsync, this.a.disk);
  }

  task(fw: FrameworkRecord, ex: ExecutorRecord, task: TaskInfo): void {
    if (!checkpointing(fw) || !this.a.agentId) return;
    writeJSONAtomic(taskInfoPath(this.#w, this.a.agentId, fw.id, ex.id, ex.containerId, task.task_id.value), task, this.a.flags.fsync, this.a.disk);
  }

  /**
   * A command task's executor, run and task: one COMMAND record of the
   * agent's journal (command-checkpoint.ts), group-committed with the other
   * records of the turn; resolves once it is on disk (the container is
   * launched only then).
   */
  commandTask(fw: FrameworkRecord, ex: ExecutorRecord, task: TaskInfo): Promise<unknown> {
    const place = this.updatesPlace(fw, ex);
    if (place === undefined) return Promise.resolve();
    ex.journaled = true;
    const run: RunInfo = { containerId: ex.containerId, directory: ex.directory };
    const line = recordLine(commandRecord(fw.id, ex.info, run, task));
    return new Promise<void>((resolve) => this.a.sum.journal(place.journal).append(commandKey(fw.id, task.task_id.value, ex.containerId), line, resolve));
  }

  /** Where a task's status updates are journaled; undefined when its framework does not checkpoint. */
  updatesPlace(fw: FrameworkRecord, ex: ExecutorRecord): StreamPlace | undefined {
    if (!checkpointing(fw) || !this.a.agentId) return undefined;
    return { journal: updatesJournalPath(this.#w, this.a.agentId), container: ex.containerId };
  }

  /** An executor that is done: its meta directory goes (moved aside, removed later), or its journal record is ended. */
  executorDone(fw: FrameworkRecord, ex: ExecutorRecord): void {
    if (!this.a.agentId) return;
    if (ex.journaled !== true) {
      this.#discard(executorMetaDir(this.#w, this.a.agentId, fw.id, ex.id));
      return;
    }
    const journal = this.a.sum.journal(updatesJournalPath(this.#w, this.a.agentId));
    const key = commandKey(fw.id, ex.id, ex.containerId);
    journal.append(key, recordLine(doneRecord(fw.id, ex.id, ex.containerId)));
    journal.forget(key);
  }

  /** A framework with no executor left. */
  frameworkDone(fw: FrameworkRecord): void {
    if (this.a.agentId) this.#discard(frameworkMetaDir(this.#w, this.a.agentId, fw.id));
  }

  /**
   * Makes the discards so far durable (an fsync of each directory they left):
   * the journal's compaction drops the updates of ended tasks only after this,
   * so a crash never brings back a task's checkpoint without its updates.
   */
  async syncDiscarded(): Promise<void> {
    const dirs = [...this.#discardedFrom];
    this.#discardedFrom.clear();
    await Promise.all(dirs.map((d) => this.a.disk.syncDir(d)));
  }

  #discard(path: string): void {
    discardCheckpointDir(path, this.#w, this.a.disk);
    this.#discardedFrom.add(dirname(path));
  }
}
