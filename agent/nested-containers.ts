/**
 * Nested containers (Mesos's LAUNCH/WAIT/KILL/REMOVE_NESTED_CONTAINER and
 * their *_CONTAINER forms with a parent): containers an executor launches
 * under its own, one level deep. The default executor runs each task of a
 * group in one. Each is a container of the containerizer of its own (its own
 * process group, its own cgroups and limits when cgroups are on), named
 * `<parent>.<child>` there, with its sandbox at `containers/<child>` in the
 * executor's sandbox. Volumes of source SANDBOX_PATH (type PARENT) are
 * linked into it, so the tasks of a group share the executor's sandbox.
 * Ended containers are kept (WAIT answers at once) until REMOVE; all of an
 * executor's are destroyed when its container ends. A checkpointing
 * framework's are checkpointed under the executor's run
 * (`containers/<child>/nested.info`) and recovered with it after an agent
 * restart (their exit status is then unknown, as for any recovered
 * container).
 *
 *   operator API ─► NestedContainers ─► AgentContainerizer (one container per child)
 *                        │ records by `<parent>.<child>`
 *                        └─ destroyChildren(parent) when the executor ends
 */
import { lstat, mkdir, symlink } from 'node:fs/promises';
import { constants } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import type { ContainerID } from '../protocol/ids.js';
import type { CommandInfo, ContainerInfo, Resource } from '../protocol/types.js';
import type { AgentCore } from './core.js';
import { CheckpointError, readJSON, runMetaDir, writeJSONAtomic } from './checkpoint.js';
import { commandError, commandSpec, limitsOf } from './command-executor.js';
import { validatePathId, type ContainerConfig, type ContainerTermination } from './containerizer/index.js';
import { checkpointing, type ContainerHandle, type ExecutorRecord } from './state.js';
import { taskUser } from './task-user.js';

export interface NestedContainer {
  readonly id: string;
  readonly parent: string;
  readonly executor: ExecutorRecord;
  readonly sandbox: string;
  /** Resources it was launched with (LAUNCH_CONTAINER), its own limits; none: it shares the executor's. */
  readonly resources: readonly Resource[];
  handle?: ContainerHandle;
  termination?: ContainerTermination;
  readonly ended: Promise<ContainerTermination>;
}

/** What WAIT_(NESTED_)CONTAINER answers (agent.proto's Response.WaitNestedContainer). */
export interface WaitResult {
  exit_status?: number;
  state?: 'TASK_FINISHED' | 'TASK_FAILED' | 'TASK_KILLED';
  reason?: string;
  message?: string;
}

export interface LaunchRequest {
  readonly containerId: ContainerID;
  readonly command?: CommandInfo;
  readonly container?: ContainerInfo;
  readonly resources?: readonly Resource[];
  /** Asked with an executor's token (not an operator's credentials): its users only. */
  readonly byExecutor?: boolean;
}

/** An error with the HTTP status it answers. */
export class NestedError extends Error {
  constructor(readonly status: 400 | 403 | 404 | 409 | 500, message: string) {
    super(message);
  }
}

/** The raw wait status of a termination, as Mesos reports `exit_status` (code << 8, or the signal number). */
export function rawExitStatus(t: ContainerTermination): number | undefined {
  if (t.status === null) return undefined;
  if (t.status.code !== null) return (t.status.code & 0xff) << 8;
  const sig = t.status.signal !== null ? (constants.signals as Record<string, number>)[t.status.signal] : undefined;
  return sig;
}

export function waitResult(t: ContainerTermination): WaitResult {
  const out: WaitResult = { message: t.message };
  const raw = rawExitStatus(t);
  if (raw !== undefined) out.exit_status = raw;
  if (t.limitation !== undefined) {
    out.state = 'TASK_FAILED';
    out.reason = t.limitation.reason;
  } else if (t.killed) {
    out.state = 'TASK_KILLED';
  }
  return out;
}

/** The links a SANDBOX_PATH volume of type PARENT asks for: `container_path` in the child → `path` in the parent's sandbox. */
export function parentSandboxLinks(container: ContainerInfo | undefined): { containerPath: string; parentPath: string }[] {
  const out: { containerPath: string; parentPath: string }[] = [];
  // Nothing of a ContainerInfo is ignored silently: what nested containers do not do is refused.
  if (container !== undefined && container.type !== undefined && container.type !== 'MESOS') throw new NestedError(400, `container.type ${String(container.type)}: nested containers are of type MESOS`);
  if (container?.mesos?.image !== undefined) throw new NestedError(400, 'container.mesos.image: nested containers run on the host filesystem here (images are not supported for them)');
  for (const [i, v] of (container?.volumes ?? []).entries()) {
    const source = v?.source as { type?: unknown; sandbox_path?: { type?: unknown; path?: unknown } } | undefined;
    if (source?.type !== 'SANDBOX_PATH') throw new NestedError(400, `container.volumes[${i}]: only SANDBOX_PATH volumes (type PARENT) are supported in nested containers`);
    const sp = source.sandbox_path;
    if (sp?.type !== 'PARENT') throw new NestedError(400, `container.volumes[${i}]: only SANDBOX_PATH volumes of type PARENT are supported (got ${String(sp?.type)})`);
    const containerPath = relativeInside(v.container_path, `container.volumes[${i}].container_path`);
    const parentPath = relativeInside(sp.path, `container.volumes[${i}].source.sandbox_path.path`);
    out.push({ containerPath, parentPath });
  }
  return out;
}

/** A relative path that stays inside its sandbox, or a 400 naming the field. */
function relativeInside(path: unknown, field: string): string {
  if (typeof path !== 'string' || path === '') throw new NestedError(400, `${field} must be a non-empty string`);
  const n = normalize(path);
  if (n.startsWith('/') || n === '..' || n.startsWith('../') || n.includes('\0')) throw new NestedError(400, `${field} '${path}' must be a path inside the sandbox`);
  return n;
}

/** What is checkpointed of a nested container. */
interface NestedInfo {
  readonly id: string;
  readonly sandbox: string;
  readonly resources: readonly Resource[];
}

export class NestedContainers {
  readonly #byKey = new Map<string, NestedContainer>();

  constructor(private readonly agent: AgentCore) {}

  /** Every nested container known (running or ended, not removed). */
  list(): NestedContainer[] {
    return [...this.#byKey.values()];
  }

  /** The executor whose container is `parent`, if live. */
  executorOf(parent: string): ExecutorRecord | undefined {
    return this.agent.books.executors().find((e) => e.containerId === parent && !e.command && e.state !== 'TERMINATED');
  }

  get(id: ContainerID): NestedContainer | undefined {
    const parent = id.parent?.value;
    return parent === undefined ? undefined : this.#byKey.get(`${parent}.${id.value}`);
  }

  /** LAUNCH_(NESTED_)CONTAINER: true when launched, false when it already existed (Mesos answers 202 then). */
  async launch(req: LaunchRequest): Promise<boolean> {
    const { value: child, parent } = req.containerId;
    if (parent === undefined) throw new NestedError(400, "'container_id.parent' is required: only nested containers can be launched here");
    if (parent.parent !== undefined) throw new NestedError(400, 'containers can be nested one level deep only (under an executor)');
    try {
      validatePathId('container id', child);
    } catch (e) {
      throw new NestedError(400, (e as Error).message);
    }
    if (this.#byKey.has(`${parent.value}.${child}`)) return false;
    const ex = this.executorOf(parent.value);
    if (ex === undefined) throw new NestedError(404, `Parent container ${parent.value} cannot be found`);
    if (ex.state === 'TERMINATING') throw new NestedError(409, `Parent container ${parent.value} is being destroyed`);
    const problem = req.command === undefined ? 'no command' : commandError(req.command);
    if (problem !== undefined) throw new NestedError(400, `Invalid command of container ${child}: ${problem}`);
    const links = parentSandboxLinks(req.container);
    const fw = this.agent.books.frameworks.get(ex.frameworkId);
    const sandbox = join(ex.directory, 'containers', child);
    const key = `${parent.value}.${child}`;
    let resolveEnded!: (t: ContainerTermination) => void;
    const record: NestedContainer = { id: child, parent: parent.value, executor: ex, sandbox, resources: req.resources ?? [], ended: new Promise((r) => (resolveEnded = r)) };
    this.#byKey.set(key, record);
    const config: ContainerConfig = {
      containerId: key,
      sandbox,
      agentId: this.agent.agentId!,
      frameworkId: ex.frameworkId,
      executorId: ex.id,
      command: commandSpec(req.command!),
      limits: limitsOf(req.resources ? [...req.resources] : []),
      agentEnvironment: { MESOS_CONTAINER_ID: child, MESOS_PARENT_CONTAINER_ID: parent.value },
    };
    // An executor may run its containers as its own user or as one of its tasks' (which the master authorized).
    const asked = req.command!.user;
    if (req.byExecutor === true && asked !== undefined && !executorUsers(ex, fw?.info.user).has(asked)) {
      throw new NestedError(403, `Executor '${ex.id}' may not launch a container as user '${asked}': neither its user nor one of its tasks'`);
    }
    const user = taskUser(this.agent.flags.switch_user, this.agent.isRoot, asked, fw?.info.user);
    if (user !== undefined) config.user = user;
    try {
      // The executor (and its tasks) can write in its sandbox: what the agent creates there as root
      // goes through real directories only, never a symbolic link they planted, and the container's
      // sandbox is new.
      await makeDirsInside(ex.directory, join('containers', child), true);
      for (const l of links) {
        const target = await makeDirsInside(ex.directory, l.parentPath, false);
        const at = join(sandbox, l.containerPath);
        await makeDirsInside(sandbox, dirname(l.containerPath), false);
        await symlink(target, at);
      }
      record.handle = await this.agent.cz.launch(config);
    } catch (e) {
      this.#byKey.delete(key);
      throw e instanceof NestedError ? e : new NestedError(500, `Failed to launch container ${child}: ${(e as Error).message}`);
    }
    this.agent.count('containerizer/mesos/nested_containers_launched');
    const meta = this.#metaDir(ex);
    if (meta !== undefined) writeJSONAtomic(join(meta, child, 'nested.info'), { id: child, sandbox, resources: record.resources } satisfies NestedInfo, this.agent.flags.fsync, this.agent.disk);
    this.#watch(record, key, resolveEnded);
    // The executor ended while this one launched: it must not outlive it.
    if (this.executorOf(parent.value) === undefined) void this.agent.destroyContainer(record.handle, `nested container ${key}`);
    return true;
  }

  #watch(record: NestedContainer, key: string, resolveEnded: (t: ContainerTermination) => void): void {
    const ended = this.agent.defer((t: ContainerTermination) => {
      record.termination = t;
      resolveEnded(t);
    });
    void record.handle!.wait().then(ended, (e: Error) => ended({ containerId: key, status: null, killed: false, message: `waiting failed: ${e.message}` }));
  }

  /** Where an executor's nested containers are checkpointed (its framework checkpoints), else undefined. */
  #metaDir(ex: Pick<ExecutorRecord, 'frameworkId' | 'id' | 'containerId'>): string | undefined {
    const fw = this.agent.books.frameworks.get(ex.frameworkId);
    if (fw === undefined || !checkpointing(fw) || this.agent.agentId === undefined) return undefined;
    return this.#metaDirOf(ex);
  }

  #metaDirOf(ex: Pick<ExecutorRecord, 'frameworkId' | 'id' | 'containerId'>): string {
    return join(runMetaDir(this.agent.flags.work_dir, this.agent.agentId!, ex.frameworkId, ex.id, ex.containerId), 'containers');
  }

  /** At recovery: the containerizer's ids of the nested containers checkpointed under an executor's run. */
  checkpointed(ex: Pick<ExecutorRecord, 'frameworkId' | 'id' | 'containerId'>): string[] {
    return this.#checkpoints(this.#metaDirOf(ex)).map((n) => `${ex.containerId}.${n.id}`);
  }

  #checkpoints(meta: string | undefined): NestedInfo[] {
    if (meta === undefined) return [];
    const out: NestedInfo[] = [];
    for (const child of this.agent.disk.listDirs(meta)) {
      const path = join(meta, child, 'nested.info');
      const v = readJSON(path, this.agent.disk) as Partial<NestedInfo> | undefined;
      if (v === undefined) continue; // written no further than its directory: never launched
      if (v.id !== child || typeof v.sandbox !== 'string' || !Array.isArray(v.resources)) throw new CheckpointError(path, 'expected {id, sandbox, resources} of this container');
      out.push(v as NestedInfo);
    }
    return out;
  }

  /**
   * After an agent restart: the recovered executor's nested containers, running again
   * (`recovered`) or ended while the agent was down (`ended`, else vanished).
   */
  adopt(ex: ExecutorRecord, recovered: ReadonlyMap<string, ContainerHandle>, ended: ReadonlyMap<string, ContainerTermination>): void {
    for (const n of this.#checkpoints(this.#metaDir(ex))) {
      const key = `${ex.containerId}.${n.id}`;
      let resolveEnded!: (t: ContainerTermination) => void;
      const record: NestedContainer = { id: n.id, parent: ex.containerId, executor: ex, sandbox: n.sandbox, resources: n.resources, ended: new Promise((r) => (resolveEnded = r)) };
      this.#byKey.set(key, record);
      const handle = recovered.get(key);
      if (handle !== undefined) {
        record.handle = handle;
        this.#watch(record, key, resolveEnded);
        continue;
      }
      const t = ended.get(key) ?? { containerId: key, status: null, killed: false, message: 'Container vanished while the agent was down' };
      record.termination = t;
      resolveEnded(t);
    }
  }

  /** WAIT: resolves once the container has ended. */
  async wait(id: ContainerID): Promise<WaitResult> {
    const c = this.#known(id);
    return waitResult(c.termination ?? (await c.ended));
  }

  /** KILL: one signal (default SIGKILL, as Mesos); a container that ended already is left as it is. */
  kill(id: ContainerID, signal: number | undefined): void {
    const c = this.#known(id);
    if (c.termination !== undefined || c.handle === undefined) return;
    const name = signalName(signal ?? constants.signals.SIGKILL);
    if (name === undefined) throw new NestedError(400, `'signal' ${signal} is not a signal of this system`);
    if (name === 'SIGKILL') void this.agent.destroyContainer(c.handle, `nested container ${c.parent}.${c.id}`);
    else if (c.handle.signal !== undefined) c.handle.signal(name);
    else void c.handle.kill();
  }

  /** REMOVE: forgets an ended container (its sandbox stays with the executor's). */
  async remove(id: ContainerID): Promise<void> {
    const c = this.#known(id);
    if (c.termination === undefined) throw new NestedError(409, `Container ${id.value} is still running: kill it first`);
    this.#byKey.delete(`${c.parent}.${c.id}`);
    const meta = this.#metaDir(c.executor);
    if (meta !== undefined) this.agent.disk.remove(join(meta, c.id));
    await this.agent.cz.forget(`${c.parent}.${c.id}`).catch(() => {});
  }

  /** The executor's container ended: every container under it is destroyed and forgotten. */
  destroyChildren(parent: string): void {
    for (const [key, c] of this.#byKey) {
      if (c.parent !== parent) continue;
      if (c.termination === undefined && c.handle !== undefined) {
        void this.agent.destroyContainer(c.handle, `nested container ${key}`).then(() => this.agent.cz.forget(key).catch(() => {}));
      } else {
        void this.agent.cz.forget(key).catch(() => {});
      }
      this.#byKey.delete(key);
    }
  }

  #known(id: ContainerID): NestedContainer {
    const c = this.get(id);
    if (c === undefined) throw new NestedError(404, `Container ${id.parent ? `${id.parent.value}.` : ''}${id.value} cannot be found`);
    return c;
  }
}

/** The users an executor may run containers as: its own, and its tasks'. */
function executorUsers(ex: ExecutorRecord, frameworkUser: string | undefined): Set<string> {
  const users = new Set<string>();
  const add = (u: string | undefined): void => {
    if (u !== undefined) users.add(u);
  };
  add(ex.info.command?.user ?? frameworkUser);
  for (const r of ex.tasks.values()) add(r.info.command?.user);
  for (const t of ex.queued.values()) add(t.command?.user);
  return users;
}

/**
 * Makes `rel` (relative, inside) under `root` one directory at a time, refusing any component that
 * is a symbolic link or not a directory; `fresh`: the last one must not exist yet. Returns the path.
 * (A component swapped for a link between its check and the next mkdir is not caught: Node has no
 * mkdirat.)
 */
async function makeDirsInside(root: string, rel: string, fresh: boolean): Promise<string> {
  const parts = normalize(rel).split('/').filter((c) => c !== '' && c !== '.');
  let at = root;
  for (const [i, part] of parts.entries()) {
    if (part === '..') throw new NestedError(400, `'${rel}' leaves the sandbox`);
    at = join(at, part);
    const last = i === parts.length - 1;
    // mkdir first (it never follows a link at its last component); EEXIST: see what is there.
    const made = await mkdir(at).then(
      () => true,
      (e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? false : Promise.reject(e)),
    );
    if (made) continue;
    const st = await lstat(at);
    if (fresh && last) throw new NestedError(409, `the sandbox '${rel}' exists already: a container id is used once`);
    if (st.isSymbolicLink()) throw new NestedError(403, `'${rel}' goes through a symbolic link in the sandbox; refused`);
    if (!st.isDirectory()) throw new NestedError(400, `'${rel}' is not a directory in the sandbox`);
  }
  return at;
}

function signalName(n: number): NodeJS.Signals | undefined {
  for (const [name, value] of Object.entries(constants.signals)) if (value === n) return name as NodeJS.Signals;
  return undefined;
}
