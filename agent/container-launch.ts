/**
 * Launching an executor's container (a command task's, a custom executor's,
 * the default executor's): the sandbox is made and the checkpoints written,
 * then the URIs fetched (fetcher/, bounded by --executor_registration_timeout),
 * the persistent volumes attached (volumes.ts), and the containerizer asked.
 * A failure at any step fails the executor's tasks
 * (REASON_CONTAINER_LAUNCH_FAILED) and, for a custom executor, tells the
 * master it exited.
 */
import { isTerminal } from '../protocol/task-states.js';
import type { Resource } from '../protocol/resources.js';
import type { ContainerConfig, ContainerTermination } from './containerizer/index.js';
import type { AgentCore } from './core.js';
import { fetchForLaunch, type LaunchFetch } from './fetcher/launch-fetch.js';
import { formatDuration } from './flags.js';
import { newTaskRecord, type ContainerHandle, type ExecutorRecord, type FrameworkRecord } from './state.js';
import { volumeKeys } from './volumes.js';

export class ContainerLaunch {
  /** Fetches under way, by executor: aborted when the container is given up. */
  readonly #fetches = new WeakMap<ExecutorRecord, LaunchFetch>();

  constructor(private readonly a: AgentCore) {}

  /** Creates the sandbox and launches; `then` runs inside the process, a failure fails the executor's tasks. */
  launch(fw: FrameworkRecord, ex: ExecutorRecord, config: ContainerConfig, then: (c: ContainerHandle) => void, checkpointed: Promise<unknown> = Promise.resolve(), early = false): void {
    const a = this.a;
    const ok = a.defer(then);
    const failed = a.defer((e: Error) => this.#launchFailed(fw, ex, e));
    Promise.all([checkpointed, a.disk.createSandbox(a.flags.work_dir, { agentId: a.agentId!, frameworkId: fw.id, executorId: ex.id, containerId: ex.containerId })])
      .then(() => this.#fetchUris(ex, config))
      .then(() => a.volumes.attach(config, [...(ex.info.resources ?? []), ...[...ex.queued.values()].flatMap((t) => t.resources ?? [])]))
      .then((attached) => a.cz.launch(attached, early))
      .then(ok, failed);
  }

  /** Gives up the fetch of the executor's URIs, if one is under way (its task was killed meanwhile). */
  abortFetch(ex: ExecutorRecord, why: string): void {
    this.#fetches.get(ex)?.abort(why);
  }

  /** The executor's (a command task's) URIs into its sandbox, bounded by --executor_registration_timeout. */
  #fetchUris(ex: ExecutorRecord, config: ContainerConfig): Promise<void> {
    const a = this.a;
    const timeout = { ms: a.flags.executor_registration_timeout, text: formatDuration(a.flags.executor_registration_timeout), delay: (ms: number, fn: () => void) => a.delay(ms, fn) };
    const f = fetchForLaunch(a.fetcher, ex.info.command?.uris, { sandbox: config.sandbox, user: config.user }, timeout);
    this.#fetches.set(ex, f);
    return f.done.finally(() => this.#fetches.delete(ex));
  }

  /** The persistent volumes live tasks and executors hold (their data is never removed). */
  volumesInUse(): Set<string> {
    const held: (readonly Resource[])[] = [];
    for (const fw of this.a.books.frameworks.values()) {
      for (const ex of fw.executors.values()) {
        if (ex.state !== 'TERMINATED') held.push(ex.info.resources ?? []);
        for (const t of ex.queued.values()) held.push(t.resources ?? []);
        for (const r of ex.tasks.values()) if (!isTerminal(r.task.state)) held.push(r.info.resources ?? []);
      }
    }
    return volumeKeys(held);
  }

  #launchFailed(fw: FrameworkRecord, ex: ExecutorRecord, e: Error): void {
    const a = this.a;
    a.logger.warn(`launching executor ${ex.id} of ${fw.id} failed: ${e.message}`);
    ex.state = 'TERMINATED';
    ex.registrationTimer?.cancel();
    const termination: ContainerTermination = { containerId: ex.containerId, status: null, killed: false, message: e.message };
    ex.termination = termination;
    for (const info of ex.queued.values()) ex.tasks.set(info.task_id.value, newTaskRecord(info, fw.id, ex.id, a.agentId!));
    ex.queued.clear();
    for (const rec of ex.tasks.values()) {
      if (isTerminal(rec.task.state)) continue;
      a.updates.agentUpdate(fw, ex.id, rec.info.task_id, 'TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', `Failed to launch container: ${e.message}`);
    }
    if (!ex.command) a.masterLink.exitedExecutor(fw, ex, undefined);
    a.books.maybeCompleteExecutor(fw, ex);
  }
}
