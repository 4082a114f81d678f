/**
 * The agent's recovery after a restart (Mesos's Slave::recover): meta/ is
 * read back (recovery.ts), the status-update streams first (a corrupt
 * journal stops the start before anything is touched), then the
 * containerizer is asked which containers still run. Each checkpointed
 * executor gets its record again: a command task's container is watched
 * again (health checks and completion timer resumed); a custom executor is
 * told to reconnect and has --executor_reregistration_timeout to do so; a
 * container that ended while the agent was down ends its tasks with what is
 * known of its end. `--recover=cleanup`, or resources that changed while
 * nothing runs, start a new agent instead; changed resources while
 * executors are checkpointed refuse the start, naming both. The highest
 * leader term heard is read back first (or dropped by --recover=cleanup).
 */
import { PID } from 'libprocess-ts';
import type { AgentToExecutor } from '../protocol/messages/agent-executor.js';
import { Resources } from '../protocol/resources.js';
import { isTerminal } from '../protocol/task-states.js';
import { agentInfoPath, agentMetaDir, latestAgentPath, removeCheckpointDir, updatesJournalPath } from './checkpoint.js';
import { addJournaledCommands } from './command-checkpoint.js';
import { limitsOf } from './command-executor.js';
import { launchedAtMs } from './completion-time.js';
import type { ContainerTermination } from './containerizer/index.js';
import type { AgentCore } from './core.js';
import { readAgentState, type RecoveredAgentState } from './recovery.js';
import { newTaskRecord, recordStatus, type ExecutorRecord, type FrameworkRecord } from './state.js';
import type { StatusUpdateManager } from './status-updates.js';

export class AgentRecovery {
  constructor(
    private readonly a: AgentCore & { readonly resources: Resources },
    /** How long a recovered executor has to reregister (Mesos's --executor_reregistration_timeout). */
    private readonly reregistrationTimeoutMs: number,
  ) {}


  /** Reads meta/ back and reconnects to what still runs (Mesos's Slave::recover); sets the agent's id when it recovers one. */
  async recover(): Promise<void> {
    const w = this.a.flags.work_dir;
    // The fencing token first: no master message is read before it is known.
    if (this.a.flags.recover === 'cleanup') this.a.checkpoints.forgetMasterTerm();
    else this.a.masterLink.recoverTerm(this.a.checkpoints.recoverMasterTerm());
    const state = readAgentState(w, this.a.disk);
    if (!state) {
      await this.a.cz.recover([]); // destroys leftover containers of an agent that never registered
      return;
    }
    if (this.a.flags.recover === 'cleanup') {
      this.a.logger.info(`--recover=cleanup: killing the executors of agent ${state.agentId} and starting afresh`);
      await this.a.cz.recover([]);
      removeCheckpointDir(agentMetaDir(w, state.agentId), this.a.disk);
      removeCheckpointDir(latestAgentPath(w), this.a.disk);
      return;
    }
    // Command tasks are checkpointed in the journal (command-checkpoint.ts): read it first (a corrupt journal stops the start here).
    const journal = updatesJournalPath(w, state.agentId);
    addJournaledCommands(state, this.a.sum.recoverJournal(journal), journal, (m) => this.a.logger.warn(m));
    const running = state.frameworks.reduce((n, f) => n + f.executors.filter((e) => !e.run.completed).length, 0);
    const old = Resources.fromJSON(state.info.resources ?? []);
    if (!old.equals(this.a.resources)) {
      if (running > 0) {
        throw new Error(
          `Incompatible agent info detected: the agent's resources changed from '${old.toString()}' (checkpointed in ${agentInfoPath(w, state.agentId)}) to '${this.a.resources.toString()}' while ${running} executor(s) are checkpointed. ` +
            `Restart with the old --resources, or with --recover=cleanup to kill them and register as a new agent.`,
        );
      }
      this.a.logger.warn(`the agent's resources changed and nothing runs: registering as a new agent`);
      await this.a.cz.recover([]);
      removeCheckpointDir(latestAgentPath(w), this.a.disk);
      return;
    }
    this.a.agentId = state.agentId;
    await this.#executors(state);
  }

  async #executors(state: RecoveredAgentState): Promise<void> {
    const known: string[] = [];
    for (const f of state.frameworks) for (const e of f.executors) known.push(e.run.containerId, ...this.a.nested.checkpointed({ id: e.info.executor_id.value, frameworkId: f.id, containerId: e.run.containerId }));
    // Streams first: a corrupt record stops the agent before anything is touched.
    const journal = updatesJournalPath(this.a.flags.work_dir, state.agentId);
    const streams = new Map<string, ReturnType<StatusUpdateManager['recover']>>();
    for (const f of state.frameworks) {
      for (const e of f.executors) {
        const place = { journal, container: e.run.containerId };
        for (const t of e.tasks) streams.set(`${f.id}/${t.info.task_id.value}`, this.a.sum.recover(f.id, t.info.task_id.value, place, t.legacyUpdatesPath));
      }
    }
    const result = await this.a.cz.recover(known);
    const recovered = new Map(result.recovered.map((c) => [c.id, c]));
    const ended = new Map([...result.vanished, ...result.terminated].map((t) => [t.containerId, t]));

    for (const f of state.frameworks) {
      const fw: FrameworkRecord = { id: f.id, info: f.info, executors: new Map(), completedExecutors: [] };
      if (f.pid !== undefined) fw.pid = f.pid;
      this.a.books.frameworks.set(f.id, fw);
      for (const e of f.executors) {
        const ex: ExecutorRecord = {
          id: e.info.executor_id.value,
          frameworkId: f.id,
          info: e.info,
          command: e.command,
          containerId: e.run.containerId,
          directory: e.run.directory,
          state: 'RUNNING',
          limits: limitsOf(e.info.resources),
          queued: new Map(),
          tasks: new Map(),
          completed: [],
          launchedAt: this.a.clock.now(),
          recovered: true,
          ...(e.journaled === true ? { journaled: true } : {}),
        };
        if (e.run.pid) ex.pid = PID.parse<AgentToExecutor>(e.run.pid);
        fw.executors.set(ex.id, ex);
        if (!e.command) this.a.nested.adopt(ex, recovered, ended);
        for (const t of e.tasks) {
          const rec = newTaskRecord(t.info, f.id, ex.id, state.agentId);
          const s = streams.get(`${f.id}/${t.info.task_id.value}`);
          if (s?.latest) recordStatus(rec, s.latest.status);
          if (s?.terminated) {
            ex.completed.push(rec);
            continue;
          }
          ex.tasks.set(t.info.task_id.value, rec);
        }
        const c = recovered.get(ex.containerId);
        if (c) {
          ex.container = c;
          if (e.command) {
            const rec = ex.tasks.get(ex.id);
            if (rec) {
              this.a.commands.watch(fw, ex, rec, c);
              if (!isTerminal(rec.task.state)) {
                this.a.commands.resume(fw, ex, rec, launchedAtMs(rec.task.statuses, this.a.clock.now()));
              }
            } else {
              void this.a.destroyContainer(c, `executor ${ex.id}`);
            }
          } else {
            ex.state = 'REGISTERING';
            c.wait()
              .then(this.a.defer((t: ContainerTermination) => this.a.custom.terminated(fw, ex, t)))
              .catch((err: unknown) => this.a.logger.warn(`waiting on the container of executor ${ex.id}: ${(err as Error).message}`));
            if (ex.pid) this.a.send(ex.pid, 'reconnect', { agent_id: { value: state.agentId } });
            const timeout = this.reregistrationTimeoutMs;
            ex.registrationTimer = this.a.delay(timeout, () => {
              if (ex.state !== 'REGISTERING') return;
              this.a.logger.warn(`recovered executor ${ex.id} did not reregister within ${timeout} ms; destroying it`);
              this.a.custom.terminate(fw, ex, 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT', 'Executor did not reregister after the agent restarted');
            });
          }
          continue;
        }
        // Gone while the agent was down (or terminated before it went down).
        const t = ended.get(ex.containerId) ?? { containerId: ex.containerId, status: null, killed: false, message: 'Container vanished while the agent was down' };
        if (e.command) {
          const rec = ex.tasks.get(ex.id);
          if (rec) {
            // Deferred: the updates go out once the agent is registered again (the stream is paused until then).
            const tail = await this.a.disk.stderrTail(ex.directory);
            this.a.commands.terminated(fw, ex, rec, t, tail);
          } else {
            ex.state = 'TERMINATED';
            this.a.books.maybeCompleteExecutor(fw, ex);
          }
        } else {
          this.a.custom.terminated(fw, ex, t);
        }
      }
    }
    this.a.logger.info(`recovered agent ${state.agentId}: ${this.a.books.frameworks.size} framework(s), ${result.recovered.length} running container(s), ${result.vanished.length} vanished`);
  }
}
