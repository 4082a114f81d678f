/**
 * The containerizer (Mesos's MesosContainerizer, reduced): launches a
 * container's process through the launcher with the selected isolators,
 * tracks it, kills it with a kill policy, reports its usage and termination,
 * checkpoints it and recovers it after an agent restart.
 */
import { chownSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { realClock, type Clock } from 'libprocess-ts';
import {
  clearIfRebooted,
  containerMetaDir,
  onTmpfs,
  listCheckpointed,
  readCheckpoint,
  readTermination,
  removeCheckpoint,
  writeCheckpoint,
  writeTermination,
  type ContainerCheckpoint,
} from './checkpoint.js';
import { createIsolators, DEFAULT_ISOLATION, type IsolationOptions } from './isolators/index.js';
import type { Isolator, PrepareInfo } from './isolators/isolator.js';
import type { CgroupBackend } from './isolators/cgroups-fs.js';
import { exitRecordPath, readExitRecord } from './exit-record.js';
import { ForkServerLauncher } from './forkserver.js';
import { findHelper, HELPER_NAME } from './binaries.js';
import { HelperLauncher } from './helper.js';
import { PosixLauncher, resolveUser, type Launcher, type UserIds } from './launcher.js';
import { bootId, killGroup, killPid, readStat } from './proc.js';
import { sandboxFiles, validatePathId } from './sandbox.js';
import { checkContainerSupport } from './container-spec.js';
import { findLogger, LogrotateLogger, logrotateUnusable, type LogrotateOptions } from './logger/logrotate.js';
import { validateMountPlan, type MountPlan } from './mount-plan.js';
import type { RLimit } from './rlimits.js';
import {
  ContainerizerError,
  DEFAULT_KILL_GRACE_PERIOD_MS,
  silentLogger,
  type ContainerConfig,
  type ContainerTermination,
  type ExitStatus,
  type KillPolicy,
  type Limitation,
  type Limits,
  type Logger,
  type ResourceStatistics,
} from './types.js';

export interface ContainerizerOptions extends Partial<Omit<IsolationOptions, 'clock' | 'logger'>> {
  /**
   * The runtime dir (the agent's --runtime_dir): container state that outlives the agent but not the host goes to
   * <metaDir>/containers/<container_id>/, never fsync'ed (checkpoint.ts).
   */
  metaDir: string;
  /** Mesos's --isolation. Default 'posix/cpu,posix/mem'. */
  isolation?: string;
  clock?: Clock;
  logger?: Logger;
  /** The environment every container starts from (Mesos: the agent's). Default process.env as it is when the containerizer is created. */
  baseEnvironment?: Record<string, string>;
  /** How often a recovered (not our child) process is checked for exit. Default 200 ms. */
  recoveryPollMs?: number;
  /**
   * 'helper' (default): HelperLauncher, the mesos-ts-launcher process forks the
   * containers and records their exit statuses (falls back to 'spawn', with a
   * warning, when the helper is not built).
   * 'spawn': PosixLauncher, child_process.spawn from the agent per container.
   * 'forkserver': ForkServerLauncher, one perl process forks them.
   */
  launcher?: Launcher | 'helper' | 'spawn' | 'forkserver';
  /**
   * Mesos's --container_logger: absent, stdout and stderr are plain sandbox files; given, they go
   * through the logrotate logger (logger/logrotate.ts). Needs a launcher that opens them in the child
   * (helper, forkserver).
   */
  containerLogger?: LogrotateOptions;
}

export interface RecoveryResult {
  /** Still running; reattached. */
  recovered: Container[];
  /** Known to the agent but gone (or never started): status unknown. */
  vanished: ContainerTermination[];
  /** Known to the agent and terminated with a recorded termination before the restart. */
  terminated: ContainerTermination[];
  /** Checkpointed but not known to the agent: destroyed (as Mesos does with orphans). */
  orphans: string[];
}

/** How long a user's looked-up ids are used before they are looked up again. */
const USER_CACHE_MS = 60_000;

/** How many polls a recovered container's zombie is given to be reaped (and its exit recorded). */
const MAX_ZOMBIE_POLLS = 50;

const UNKNOWN_EXIT = 'Container process exited while the agent was not watching it; its exit status is unknown';

export class Container {
  readonly id: string;
  private terminated?: ContainerTermination;
  private readonly done: Promise<ContainerTermination>;
  private resolveDone!: (t: ContainerTermination) => void;
  private limitation?: Limitation;
  private killRequested = false;
  private finishing = false;
  private graceTimer: { cancel(): void } | undefined;
  private pollTimer: { cancel(): void } | undefined;
  /** The last update(): the next one runs after it. */
  private updating: Promise<void> = Promise.resolve();
  /** The checkpointed pid no longer names our process: never signal it (it may be reused). */
  private pidGone = false;
  /** Settles once container.json is on disk, or its write failed (logged); never rejects. */
  checkpointed: Promise<void> = Promise.resolve();

  /** @internal created by the Containerizer */
  constructor(
    private readonly owner: Containerizer,
    readonly config: ContainerConfig,
    readonly pid: number,
    readonly startTime: number,
    readonly isolators: Isolator[],
    /** true for a container reattached by recover() (exit seen by polling /proc, status unknown) */
    readonly recovered: boolean,
  ) {
    this.id = config.containerId;
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  get sandbox(): string {
    return this.config.sandbox;
  }

  /** The termination, once known. */
  get termination(): ContainerTermination | undefined {
    return this.terminated;
  }

  /** Resolves when the container has terminated and been cleaned up. */
  wait(): Promise<ContainerTermination> {
    return this.done;
  }

  /** @internal */
  start(exited: Promise<ExitStatus> | null): void {
    for (const iso of this.isolators) {
      void iso.watch(this.id).then((l) => {
        if (this.finishing) return;
        this.owner.logger.warn(`container ${this.id}: ${iso.name} limitation: ${l.message.split('\n')[0]}`);
        this.limitation ??= l;
        this.signalAll('SIGKILL');
      });
    }
    if (exited) void exited.then((s) => this.finish(s));
    else this.pollForExit();
  }

  private pollForExit(zombiePolls = 0): void {
    this.pollTimer = this.owner.clock.timer(this.owner.recoveryPollMs, () => {
      void readStat(this.pid).then(async (st) => {
        const ours = st !== null && st.startTime === this.startTime && st.state !== 'X';
        if (ours && st.state !== 'Z') return this.pollForExit();
        // A zombie is not reaped yet: its launcher writes the exit record first, so wait for the
        // reaping (bounded: a parent that never reaps must not keep the container forever).
        if (ours && zombiePolls < MAX_ZOMBIE_POLLS) return this.pollForExit(zombiePolls + 1);
        void this.finish(await this.owner.recordedExit(this.id, this.pid));
      });
    });
  }

  /** Signals the process group, and every member of the container's cgroups. */
  private signalAll(signal: NodeJS.Signals): void {
    if (this.pid > 1 && !this.pidGone) killGroup(this.pid, signal);
    for (const iso of this.isolators) {
      if (!iso.pids) continue;
      void iso.pids(this.id).then((pids) => {
        for (const p of pids) if (p > 1) killPid(p, signal);
      });
    }
  }

  /**
   * Kill with a kill policy: SIGTERM to the process group (and the cgroups'
   * members), SIGKILL to all of them after the grace period (default 3 s, as
   * Mesos's command executor). Resolves with the termination.
   */
  kill(policy: KillPolicy = {}): Promise<ContainerTermination> {
    if (this.terminated || this.finishing) return this.done;
    const grace = policy.gracePeriodMs ?? DEFAULT_KILL_GRACE_PERIOD_MS;
    this.killRequested = true;
    if (grace <= 0) {
      this.signalAll('SIGKILL');
    } else if (!this.graceTimer) {
      this.signalAll('SIGTERM');
      this.graceTimer = this.owner.clock.timer(grace, () => {
        if (!this.finishing) {
          this.owner.logger.info(`container ${this.id}: still running after the ${grace} ms grace period; sending SIGKILL`);
          this.signalAll('SIGKILL');
        }
      });
    }
    return this.done;
  }

  /** Kills everything at once (SIGKILL) and cleans up. */
  destroy(): Promise<ContainerTermination> {
    return this.kill({ gracePeriodMs: 0 });
  }

  /** Sends one signal to the group without starting a kill sequence. */
  signal(signal: NodeJS.Signals): void {
    if (!this.terminated) this.signalAll(signal);
  }

  /**
   * New resources for the running container (Mesos's Containerizer::update): each isolator follows
   * them (cgroups: cpu shares and quota, the memory limit; disk/du and network/ports: their bounds),
   * and the checkpoint records them, so a recovered container keeps them.
   */
  update(limits: Limits): Promise<void> {
    // One at a time, in order: a task arriving and another ending in quick succession must leave the last limits.
    const next = this.updating.then(async () => {
      if (this.terminated || this.finishing) return;
      for (const iso of this.isolators) await iso.update?.(this.id, limits);
      this.config.limits = limits;
      await this.owner.checkpointLimits(this.id, limits);
    });
    this.updating = next.catch(() => {});
    return next;
  }

  async usage(): Promise<ResourceStatistics> {
    const out: ResourceStatistics = { timestamp: this.owner.clock.now() / 1000 };
    for (const iso of this.isolators) Object.assign(out, await iso.usage(this.id).catch(() => ({})));
    return out;
  }

  /** @internal a recovered container whose process is gone: clean up what is left (cgroups), no signals to the pid; `status` from its exit record, if any. */
  finishVanished(status: ExitStatus | null = null): Promise<ContainerTermination> {
    this.pidGone = true;
    void this.finish(status);
    return this.done;
  }

  private async finish(status: ExitStatus | null): Promise<void> {
    if (this.finishing) return;
    this.finishing = true;
    this.graceTimer?.cancel();
    this.pollTimer?.cancel();
    if (!this.limitation) {
      for (const iso of this.isolators) {
        const l = await iso.limitationAtExit?.(this.id).catch(() => null);
        if (l) {
          this.limitation = l;
          break;
        }
      }
    }
    // The main process is gone: nothing of the container may outlive it.
    if (this.pid > 1 && !this.pidGone) killGroup(this.pid, 'SIGKILL');
    for (const iso of this.isolators) {
      try {
        await iso.cleanup(this.id);
      } catch (e) {
        this.owner.logger.warn(`container ${this.id}: ${iso.name} cleanup failed: ${(e as Error).message}`);
      }
    }
    const t: ContainerTermination = {
      containerId: this.id,
      status,
      killed: this.killRequested,
      message: this.limitation?.message ?? status?.message ?? UNKNOWN_EXIT,
      ...(this.limitation ? { limitation: this.limitation } : {}),
    };
    await writeTermination(this.owner.metaDir, t).catch((e) =>
      this.owner.logger.warn(`container ${this.id}: cannot checkpoint its termination: ${(e as Error).message}`),
    );
    this.terminated = t;
    this.owner.forgetLive(this.id);
    this.resolveDone(t);
  }
}

export class Containerizer {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metaDir: string;
  readonly recoveryPollMs: number;
  private readonly live = new Map<string, Container>();
  private readonly launching = new Set<string>();
  private readonly users = new Map<string, { ids: Promise<UserIds>; at: number }>();
  private readonly launcher: Launcher;
  private readonly containerLogger?: LogrotateLogger;
  /** The environment every container starts from, copied once (reading process.env costs a native call per variable). */
  private readonly baseEnvironment: Readonly<Record<string, string>>;

  private constructor(
    opts: ContainerizerOptions,
    readonly isolators: Isolator[],
    /** The isolator names in effect (after any fallback). */
    readonly isolation: string[],
    readonly cgroups: CgroupBackend | null,
    readonly warnings: string[],
    /** The runtime dir held an earlier boot's containers (dropped): the agent's known ones are gone with the host. */
    private readonly rebooted: boolean,
    /** The runtime dir is on a tmpfs: its directories are made and removed on the loop (microseconds each). */
    private readonly runtimeOnTmpfs: boolean,
  ) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? silentLogger;
    this.metaDir = opts.metaDir;
    this.recoveryPollMs = opts.recoveryPollMs ?? 200;
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.baseEnvironment ?? process.env)) if (v !== undefined) base[k] = v;
    this.baseEnvironment = base;
    this.launcher = this.chooseLauncher(opts.launcher ?? 'helper');
    if (opts.containerLogger) this.containerLogger = new LogrotateLogger(findLogger()!, opts.containerLogger, this.clock, (m) => this.logger.warn(m));
  }

  private chooseLauncher(choice: NonNullable<ContainerizerOptions['launcher']>): Launcher {
    if (choice === 'forkserver') return new ForkServerLauncher(this.clock, 'perl', this.recoveryPollMs);
    if (choice === 'spawn') return new PosixLauncher();
    if (choice !== 'helper') return choice;
    const binary = findHelper();
    if (binary) return new HelperLauncher(binary, this.clock, this.recoveryPollMs);
    const why = `the launcher helper ${HELPER_NAME} is not built (run 'make build', or set MESOS_TS_LAUNCHER to its path): launching with child_process.spawn from the agent; a task that ends while the agent is down will have an unknown exit status`;
    this.warnings.push(why);
    this.logger.warn(why);
    return new PosixLauncher();
  }

  /** @internal the exit status the launcher recorded for a container it no longer reports on; null when none (or unreadable). */
  async recordedExit(containerId: string, pid: number): Promise<ExitStatus | null> {
    try {
      return (await readExitRecord(exitRecordPath(this.metaDir, containerId), pid)) ?? null;
    } catch (e) {
      this.logger.warn(`container ${containerId}: ${(e as Error).message}; its exit status is unknown`);
      return null;
    }
  }

  /**
   * Selects the isolators (probing cgroups when asked for) and makes the meta
   * dir. Throws UNKNOWN_ISOLATOR for an unknown name, ISOLATOR_UNAVAILABLE
   * with `strict` when the host lacks what a chosen isolator needs.
   */
  static async create(opts: ContainerizerOptions): Promise<Containerizer> {
    const clock = opts.clock ?? realClock;
    const logger = opts.logger ?? silentLogger;
    if (opts.containerLogger) {
      const why = logrotateUnusable(opts.containerLogger);
      if (why) throw new ContainerizerError('INVALID_CONFIG', `--container_logger=logrotate: ${why}`);
      if (opts.launcher === 'spawn') throw new ContainerizerError('INVALID_CONFIG', "--container_logger=logrotate needs --launcher=helper or forkserver (the spawn launcher opens the task's stdout in the agent itself)");
    }
    const iso = await createIsolators(opts.isolation ?? DEFAULT_ISOLATION, { ...opts, clock, logger });
    await mkdir(opts.metaDir, { recursive: true });
    const rebooted = await clearIfRebooted(opts.metaDir);
    return new Containerizer(opts, iso.isolators, iso.names, iso.cgroups, iso.warnings, rebooted, onTmpfs(opts.metaDir));
  }

  /** Stops the launcher's helper process, if any (running containers are not affected). */
  close(): void {
    (this.launcher as { close?: () => void }).close?.();
  }

  /** The running containers' ids. */
  containers(): string[] {
    return [...this.live.keys()];
  }

  get(containerId: string): Container | undefined {
    return this.live.get(containerId);
  }

  /** @internal a running container's new limits, into its checkpoint. */
  async checkpointLimits(containerId: string, limits: Limits): Promise<void> {
    const cp = await readCheckpoint(this.metaDir, containerId).catch(() => undefined);
    if (!cp) return;
    await writeCheckpoint(this.metaDir, { ...cp, config: { ...cp.config, limits } }).catch((e: Error) =>
      this.logger.warn(`container ${containerId}: cannot checkpoint its new limits: ${e.message}`),
    );
  }

  /** @internal */
  forgetLive(containerId: string): void {
    this.live.delete(containerId);
    this.containerLogger?.release(containerId);
  }

  /**
   * A user's ids, looked up through NSS (a `getent` process) at most once a
   * minute per name: a lookup per task doubled the processes the agent
   * forked (20% of its time in the launch benchmark's profile).
   */
  private user(name: string): Promise<UserIds> {
    const now = this.clock.now();
    const hit = this.users.get(name);
    if (hit && now - hit.at < USER_CACHE_MS) return hit.ids;
    const ids = resolveUser(name);
    this.users.set(name, { ids, at: now });
    ids.catch(() => {
      if (this.users.get(name)?.ids === ids) this.users.delete(name);
    });
    return ids;
  }

  private environment(config: ContainerConfig, extra: Record<string, string>): Record<string, string> {
    const env: Record<string, string> = { ...this.baseEnvironment };
    env.MESOS_SANDBOX = config.sandbox;
    env.MESOS_DIRECTORY = config.sandbox;
    env.MESOS_CONTAINER_ID = config.containerId;
    if (config.agentId !== undefined) {
      env.MESOS_AGENT_ID = config.agentId;
      env.MESOS_SLAVE_ID = config.agentId;
    }
    if (config.frameworkId !== undefined) env.MESOS_FRAMEWORK_ID = config.frameworkId;
    if (config.executorId !== undefined) env.MESOS_EXECUTOR_ID = config.executorId;
    if (config.taskId !== undefined) env.MESOS_TASK_ID = config.taskId;
    Object.assign(env, config.agentEnvironment ?? {}, extra, config.command.environment ?? {});
    return env;
  }

  /**
   * Launches a container: sandbox files, isolators' prepare, the process
   * (leader of its own group, inside its cgroups from the start), isolate,
   * checkpoint. A failure at any step undoes the earlier ones and throws.
   * With `early`, resolves once the process runs, before its container.json
   * is written (`container.checkpointed`). That file is runtime state, never
   * fsync'ed (checkpoint.ts), so its write is over within this call and
   * `early` saves one turn at most.
   */
  async launch(config: ContainerConfig, early = false): Promise<Container> {
    const id = config.containerId;
    validatePathId('container id', id);
    checkContainerSupport(config.container, this.isolation);
    if (!config.sandbox) throw new ContainerizerError('INVALID_CONFIG', `Container ${id}: 'sandbox' is required`);
    if (this.live.has(id) || this.launching.has(id)) throw new ContainerizerError('DUPLICATE_CONTAINER', `Container ${id} already exists`);
    this.launching.add(id);
    const prepared: Isolator[] = [];
    try {
      const user = config.user !== undefined ? await this.user(config.user) : undefined;
      // Metadata operations, synchronous: microseconds each, where a thread-pool trip per step cost a scheduling
      // wait per step on a loaded machine (durable-write.ts).
      mkdirSync(config.sandbox, { recursive: true });
      const files = sandboxFiles(config.sandbox);
      // The launcher creates stdout/stderr (append mode); with a user they must exist first, to be chowned. Not when
      // the user is the agent's own: what the agent made is the user's already (three journaled inode changes saved).
      if (user && (user.uid !== process.geteuid?.() || user.gid !== process.getegid?.())) {
        closeSync(openSync(files.stdout, 'a'));
        closeSync(openSync(files.stderr, 'a'));
        for (const p of [config.sandbox, files.stdout, files.stderr]) chownSync(p, user.uid, user.gid);
      }
      // The runtime dir exists before the process does: the launcher records its exit there. On a disk a new
      // directory is a change to the filesystem's journal, which can wait for its commit when the disk is busy, so
      // off the loop; on a tmpfs it takes microseconds, where a trip to the thread pool waits behind the sandboxes'.
      if (this.runtimeOnTmpfs) mkdirSync(containerMetaDir(this.metaDir, id), { recursive: true });
      else await mkdir(containerMetaDir(this.metaDir, id), { recursive: true });
      const info: PrepareInfo = {
        limits: config.limits ?? {},
        sandbox: config.sandbox,
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
        config,
        devices: [],
      };
      let command = config.command;
      let userInWrapper = false;
      const cgroupProcs: string[] = [];
      const wrapper: string[] = [];
      let mounts: MountPlan | undefined;
      const extraEnv: Record<string, string> = {};
      const rlimits: RLimit[] = [];
      for (const iso of this.isolators) {
        prepared.push(iso);
        const r = await iso.prepare(id, info);
        if (r?.cgroupProcs) cgroupProcs.push(...r.cgroupProcs);
        if (r?.wrapper) wrapper.push(...r.wrapper);
        if (r?.mounts) mounts = r.mounts;
        if (r?.env) Object.assign(extraEnv, r.env);
        if (r?.command) command = r.command;
        if (r?.switchesUser) userInWrapper = true;
        if (r?.rlimits) rlimits.push(...r.rlimits);
        if (r?.devices) info.devices!.push(...r.devices);
      }
      if (config.volumeMounts?.length) {
        // Over the host's filesystem: they cannot join a plan with a root of the container's own (a container with an
        // image gets its volumes as ContainerInfo volumes, which filesystem/linux binds in its root).
        if (mounts?.root) throw new ContainerizerError('INVALID_CONFIG', 'host bind mounts (volumeMounts) on a container with an image: give them as its ContainerInfo volumes');
        mounts = validateMountPlan({ ...mounts, binds: [...(mounts?.binds ?? []), ...config.volumeMounts] });
      }
      const env = this.environment(config, extraEnv);
      if (user && env.HOME === undefined) env.HOME = user.home;
      const logged = await this.containerLogger?.prepare({
        containerId: id,
        sandbox: config.sandbox,
        metaDir: containerMetaDir(this.metaDir, id),
        ...(config.command.environment ? { environment: config.command.environment } : {}),
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
      });
      const proc = await this.launcher.launch({
        command,
        env,
        cwd: config.sandbox,
        stdoutPath: logged?.stdoutPath ?? files.stdout,
        stderrPath: logged?.stderrPath ?? files.stderr,
        ...(user && !userInWrapper ? { uid: user.uid, gid: user.gid } : {}),
        cgroupProcs,
        wrapper,
        ...(mounts ? { mounts } : {}),
        statusPath: exitRecordPath(this.metaDir, id),
        ...(rlimits.length > 0 ? { rlimits } : {}),
      });
      try {
        for (const iso of this.isolators) await iso.isolate(id, proc.pid);
      } catch (e) {
        killGroup(proc.pid, 'SIGKILL');
        await proc.exited;
        throw e;
      }
      const container = new Container(this, config, proc.pid, proc.startTime, this.isolators, false);
      this.live.set(id, container);
      const isolatorState: Record<string, unknown> = {};
      for (const iso of this.isolators) {
        const s = iso.checkpointState?.(id);
        if (s !== undefined) isolatorState[iso.name] = s;
      }
      const cp: ContainerCheckpoint = {
        version: 1,
        containerId: id,
        pid: proc.pid,
        startTime: proc.startTime,
        bootId: bootId(),
        launchedAt: this.clock.now(),
        isolators: this.isolation,
        isolatorState,
        config,
      };
      container.checkpointed = writeCheckpoint(this.metaDir, cp).then(
        () => undefined,
        (e: unknown) => this.logger.warn(`container ${id}: cannot checkpoint: ${(e as Error).message}`),
      );
      if (!early) await container.checkpointed;
      container.start(proc.exited);
      return container;
    } catch (e) {
      this.containerLogger?.release(id);
      for (const iso of prepared) await iso.cleanup(id).catch(() => {});
      throw e;
    } finally {
      this.launching.delete(id);
    }
  }

  private known(containerId: string): Container {
    const c = this.live.get(containerId);
    if (!c) throw new ContainerizerError('UNKNOWN_CONTAINER', `Unknown container ${containerId}`);
    return c;
  }

  wait(containerId: string): Promise<ContainerTermination> {
    return this.known(containerId).wait();
  }

  kill(containerId: string, policy?: KillPolicy): Promise<ContainerTermination> {
    return this.known(containerId).kill(policy);
  }

  destroy(containerId: string): Promise<ContainerTermination> {
    return this.known(containerId).destroy();
  }

  usage(containerId: string): Promise<ResourceStatistics> {
    return this.known(containerId).usage();
  }

  update(containerId: string, limits: Limits): Promise<void> {
    return this.known(containerId).update(limits);
  }

  /** Drops a terminated container's checkpoint (once the agent no longer needs it). */
  async forget(containerId: string): Promise<void> {
    if (this.live.has(containerId)) throw new ContainerizerError('INVALID_CONFIG', `Container ${containerId} is still running`);
    await removeCheckpoint(this.metaDir, containerId, this.runtimeOnTmpfs);
  }

  /**
   * After an agent restart: reattaches to the known containers whose process
   * still runs (same pid, same start time, same boot), reports the ones that
   * vanished or had terminated, and destroys checkpointed containers the
   * agent does not know (orphans). A corrupt checkpoint throws CORRUPT_CHECKPOINT.
   */
  async recover(knownContainerIds: Iterable<string>): Promise<RecoveryResult> {
    const known = new Set(knownContainerIds);
    const result: RecoveryResult = { recovered: [], vanished: [], terminated: [], orphans: [] };
    const boot = bootId();
    const all = new Set([...known, ...(await listCheckpointed(this.metaDir))]);
    for (const id of all) {
      if (this.live.has(id)) {
        if (known.has(id)) result.recovered.push(this.live.get(id)!);
        continue;
      }
      validatePathId('container id', id);
      const cp = await readCheckpoint(this.metaDir, id);
      const term = await readTermination(this.metaDir, id);
      if (!known.has(id)) {
        if (term) continue; // an old, finished container; the agent GCs it with forget()
        result.orphans.push(id);
      }
      if (term) {
        result.terminated.push(term);
        continue;
      }
      if (!cp) {
        const message = this.rebooted ? 'Container vanished while the agent was down: the host rebooted since it was launched' : 'Container was never launched (no checkpoint found)';
        const t: ContainerTermination = { containerId: id, status: null, killed: false, message };
        result.vanished.push(t);
        continue;
      }
      const c = await this.reattach(cp);
      const st = cp.bootId === boot ? await readStat(cp.pid) : null;
      // A zombie of ours counts as running: its launcher records its exit before reaping it (pollForExit).
      const alive = st !== null && st.startTime === cp.startTime && st.state !== 'X';
      if (alive && known.has(id)) {
        this.live.set(id, c);
        c.start(null);
        result.recovered.push(c);
        this.logger.info(`recovered container ${id} (pid ${cp.pid})`);
        continue;
      }
      // Ended while nobody watched: its launcher's exit record, when there is one, says how.
      const recorded = alive || cp.bootId !== boot ? null : await this.recordedExit(id, cp.pid);
      this.live.set(id, c);
      if (recorded && known.has(id)) {
        result.terminated.push(await c.finishVanished(recorded));
        this.logger.info(`container ${id} ended while the agent was down: ${recorded.message}`);
        continue;
      }
      // Vanished, or an orphan: kill whatever is left and clean up.
      const t = alive ? (c.start(null), await c.destroy()) : await c.finishVanished(recorded);
      if (known.has(id)) {
        const reason = cp.bootId !== boot ? 'the host rebooted since it was launched' : `its process ${cp.pid} is gone`;
        result.vanished.push({ ...t, message: `Container vanished while the agent was down: ${reason}` });
      }
    }
    return result;
  }

  private async reattach(cp: ContainerCheckpoint): Promise<Container> {
    const isolators = this.isolators.filter((i) => cp.isolators.includes(i.name));
    const missing = cp.isolators.filter((n) => !this.isolation.includes(n));
    if (missing.length > 0) this.logger.warn(`container ${cp.containerId} was launched with isolators ${missing.join(', ')} that are no longer in effect`);
    for (const iso of isolators) {
      await iso.recover(cp.containerId, {
        limits: cp.config.limits ?? {},
        sandbox: cp.config.sandbox,
        pid: cp.pid,
        state: cp.isolatorState[iso.name],
      });
    }
    return new Container(this, cp.config, cp.pid, cp.startTime, isolators, true);
  }
}
