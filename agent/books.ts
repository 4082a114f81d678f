/**
 * The agent's books: the frameworks it runs something for, their executors
 * and tasks (records of state.ts), and what completed (kept for /state).
 * An executor is done once its container ended and its tasks' terminal
 * updates were acknowledged (or its framework was shut down): its container
 * is forgotten, its checkpoints dropped and its sandbox removed after
 * --gc_delay; a framework with no executor left is done with it.
 */
import { uuidString } from '../protocol/ids.js';
import { isTerminal } from '../protocol/task-states.js';
import type { ExecutorInfo, FrameworkInfo, TaskInfo } from '../protocol/types.js';
import { limitsOf } from './command-executor.js';
import { sandboxPath } from './containerizer/index.js';
import type { AgentCore } from './core.js';
import type { ExecutorRecord, FrameworkRecord, TaskRecord } from './state.js';

/** Kept for /state: a few completed frameworks and executors. */
const MAX_COMPLETED_FRAMEWORKS = 50;
const MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK = 150;

export class AgentBooks {
  readonly frameworks = new Map<string, FrameworkRecord>();
  readonly completedFrameworks: FrameworkRecord[] = [];
  /** Sandboxes scheduled for removal and not removed yet (`gc/path_removals_pending`). */
  gcPending = 0;

  constructor(private readonly a: AgentCore) {}

  /** The framework's record, made (and checkpointed) on its first task; a new scheduler pid is kept. */
  framework(frameworkId: string, info: FrameworkInfo, pid: string | undefined): FrameworkRecord {
    let fw = this.frameworks.get(frameworkId);
    if (!fw) {
      fw = { id: frameworkId, info: { ...info, id: { value: frameworkId } }, executors: new Map(), completedExecutors: [] };
      if (pid !== undefined) fw.pid = pid;
      this.frameworks.set(frameworkId, fw);
      const i = this.completedFrameworks.findIndex((f) => f.id === frameworkId);
      if (i >= 0) this.completedFrameworks.splice(i, 1);
      this.a.checkpoints.framework(fw);
    } else if (pid !== undefined && pid !== fw.pid) {
      fw.pid = pid;
      this.a.checkpoints.framework(fw);
    }
    return fw;
  }

  /** A live task of the framework (running, or queued for its executor). */
  findTask(fw: FrameworkRecord, taskId: string): { ex: ExecutorRecord; rec?: TaskRecord; queued?: TaskInfo } | undefined {
    for (const ex of fw.executors.values()) {
      const rec = ex.tasks.get(taskId);
      if (rec) return { ex, rec };
      const q = ex.queued.get(taskId);
      if (q) return { ex, queued: q };
    }
    return undefined;
  }

  newExecutor(fw: FrameworkRecord, info: ExecutorInfo, command: boolean, resources: TaskInfo['resources']): ExecutorRecord {
    const a = this.a;
    const containerId = uuidString(() => a.random.float());
    const ids = { agentId: a.agentId!, frameworkId: fw.id, executorId: info.executor_id.value, containerId };
    const ex: ExecutorRecord = {
      id: info.executor_id.value,
      frameworkId: fw.id,
      info,
      command,
      containerId,
      directory: sandboxPath(a.flags.work_dir, ids),
      state: 'REGISTERING',
      limits: limitsOf([...(info.resources ?? []), ...(resources ?? [])]),
      queued: new Map(),
      tasks: new Map(),
      completed: [],
      launchedAt: a.clock.now(),
    };
    fw.executors.set(ex.id, ex);
    return ex;
  }

  /** An executor whose container ended and whose tasks' terminal updates were all acknowledged is done. */
  maybeCompleteExecutor(fw: FrameworkRecord, ex: ExecutorRecord): void {
    const a = this.a;
    if (ex.state !== 'TERMINATED') return;
    for (const rec of ex.tasks.values()) {
      if (!isTerminal(rec.task.state)) return;
      if (a.sum.stream(fw.id, rec.info.task_id.value) && !fw.shutdown) return;
    }
    if (fw.shutdown) for (const rec of ex.tasks.values()) a.sum.cleanup(fw.id, rec.info.task_id.value);
    for (const rec of ex.tasks.values()) ex.completed.push(rec);
    ex.tasks.clear();
    if (fw.executors.get(ex.id) !== ex) return;
    fw.executors.delete(ex.id);
    fw.completedExecutors.push(ex);
    if (fw.completedExecutors.length > MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK) fw.completedExecutors.shift();
    void a.cz.forget(ex.containerId).catch((e: Error) => a.logger.warn(`forgetting container ${ex.containerId}: ${e.message}`));
    a.volumes.forget(ex.containerId);
    a.checkpoints.executorDone(fw, ex);
    this.#scheduleGc(ex.directory);
    if (fw.executors.size === 0) {
      this.frameworks.delete(fw.id);
      this.completedFrameworks.push(fw);
      if (this.completedFrameworks.length > MAX_COMPLETED_FRAMEWORKS) this.completedFrameworks.shift();
      a.checkpoints.frameworkDone(fw);
    }
  }

  #scheduleGc(directory: string): void {
    const a = this.a;
    this.gcPending++;
    a.delay(a.flags.gc_delay, () => {
      const done = a.defer((ok: boolean) => {
        this.gcPending--;
        a.count(ok ? 'gc/path_removals_succeeded' : 'gc/path_removals_failed');
        if (!ok) a.logger.warn(`could not remove the sandbox ${directory}`);
      });
      a.disk.removeLater(directory).then(() => done(true), () => done(false));
    });
  }

  /** Every live executor. */
  executors(): ExecutorRecord[] {
    const out: ExecutorRecord[] = [];
    for (const fw of this.frameworks.values()) out.push(...fw.executors.values());
    return out;
  }

  /** The record of a task, wherever it is (live or completed). */
  task(frameworkId: string, taskId: string): TaskRecord | undefined {
    const fw = this.frameworks.get(frameworkId) ?? this.completedFrameworks.find((f) => f.id === frameworkId);
    if (!fw) return undefined;
    for (const ex of [...fw.executors.values(), ...fw.completedExecutors]) {
      const r = ex.tasks.get(taskId) ?? ex.completed.find((c) => c.info.task_id.value === taskId);
      if (r) return r;
    }
    return undefined;
  }
}
