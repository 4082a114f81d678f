/**
 * Test helpers: a scripted master peer, a fake containerizer, waiting on
 * promises while a VirtualClock settles.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Process, Runtime, createLogger, realClock, type Handlers, type PID } from 'libprocess-ts';
import type { SimulatedNetwork, VirtualClock } from 'libprocess-ts/testing';
import type { AgentToMaster, MasterToAgent } from '../../protocol/messages/master-agent.js';
import type { FrameworkInfo, TaskInfo } from '../../protocol/types.js';
import type { AgentContainerizer } from '../agent.js';
import type { ContainerConfig, ContainerTermination, ResourceStatistics } from '../containerizer/index.js';
import type { ContainerHandle } from '../state.js';

export interface Received<N extends keyof AgentToMaster = keyof AgentToMaster> {
  name: N;
  body: AgentToMaster[N];
  from: PID;
}

/** A master that records what the agent sends and answers (re)registrations when `autoRegister` is on. */
export class ScriptedMaster extends Process<AgentToMaster> {
  readonly received: Received[] = [];
  readonly #consumed = new Map<string, number>();
  readonly #waiters: { name: string; resolve: (r: Received) => void }[] = [];
  autoRegister = true;
  autoAck = false;
  agentId = 'M-S0';
  pingTimeoutSeconds = 15;
  maxMissedPings = 5;
  /** The leader term its registration answers carry (an HA master's fencing token); none when undefined. */
  term: number | undefined = undefined;

  protected handlers(): Handlers<AgentToMaster> {
    const rec =
      <N extends keyof AgentToMaster>(name: N) =>
      (body: AgentToMaster[N], from: PID): void =>
        this.#record({ name, body, from } as Received);
    return {
      register_agent: (b, from) => {
        this.#record({ name: 'register_agent', body: b, from });
        if (this.autoRegister) this.send(from as PID<MasterToAgent>, 'agent_registered', { agent_id: { value: this.agentId }, ping_timeout_seconds: this.pingTimeoutSeconds, max_missed_pings: this.maxMissedPings, ...this.#term() });
      },
      reregister_agent: (b, from) => {
        this.#record({ name: 'reregister_agent', body: b, from });
        if (this.autoRegister) this.send(from as PID<MasterToAgent>, 'agent_reregistered', { agent_id: b.agent.id!, ping_timeout_seconds: this.pingTimeoutSeconds, max_missed_pings: this.maxMissedPings, ...this.#term() });
      },
      unregister_agent: rec('unregister_agent'),
      pong: rec('pong'),
      status_update: (b, from) => {
        this.#record({ name: 'status_update', body: b, from });
        if (this.autoAck) this.ack(from as PID<MasterToAgent>, b.update);
      },
      exited_executor: rec('exited_executor'),
      executor_to_framework: rec('executor_to_framework'),
      update_agent: rec('update_agent'),
      update_operation_status: rec('update_operation_status'),
    };
  }

  #term(): { term?: number } {
    return this.term !== undefined ? { term: this.term } : {};
  }

  ack(agent: PID<MasterToAgent>, update: AgentToMaster['status_update']['update']): void {
    this.send(agent, 'status_update_acknowledgement', { agent_id: update.agent_id!, framework_id: update.framework_id, task_id: update.status.task_id, uuid: update.uuid! });
  }

  sendTo<N extends keyof MasterToAgent & string>(agent: PID<MasterToAgent>, name: N, body: MasterToAgent[N]): void {
    this.send(agent, name, body);
  }

  readonly #watchers: { pred: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];

  /** The first message (already received or to come) matching `pred`. */
  waitFor(pred: (r: Received) => boolean): Promise<Received> {
    const found = this.received.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.#watchers.push({ pred, resolve }));
  }

  /** The first status update of `taskId` in `state`. */
  async update(taskId: string, state: string): Promise<AgentToMaster['status_update']['update']> {
    const r = await this.waitFor((m) => m.name === 'status_update' && (m.body as AgentToMaster['status_update']).update.status.task_id.value === taskId && (m.body as AgentToMaster['status_update']).update.status.state === state);
    return (r.body as AgentToMaster['status_update']).update;
  }

  /** States of a task's updates, in order, without resends. */
  states(taskId: string): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const r of this.all('status_update')) {
      const u = r.body.update;
      if (u.status.task_id.value !== taskId) continue;
      const k = Buffer.from(u.uuid!).toString('hex');
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(u.status.state + (u.status.healthy !== undefined ? (u.status.healthy ? '(healthy)' : '(unhealthy)') : ''));
    }
    return out;
  }

  #record(r: Received): void {
    this.received.push(r);
    for (let i = this.#watchers.length - 1; i >= 0; i--) {
      const w = this.#watchers[i]!;
      if (w.pred(r)) {
        this.#watchers.splice(i, 1);
        w.resolve(r);
      }
    }
    const i = this.#waiters.findIndex((w) => w.name === r.name);
    if (i >= 0) {
      const [w] = this.#waiters.splice(i, 1);
      this.#consumed.set(r.name, (this.#consumed.get(r.name) ?? 0) + 1);
      w!.resolve(r);
    }
  }

  all<N extends keyof AgentToMaster>(name: N): Received<N>[] {
    return this.received.filter((r) => r.name === name) as Received<N>[];
  }

  /** The next message of that name not yet taken (already received, or the next to come). */
  take<N extends keyof AgentToMaster>(name: N): Promise<Received<N>> {
    const n = this.#consumed.get(name) ?? 0;
    const list = this.all(name);
    if (list.length > n) {
      this.#consumed.set(name, n + 1);
      return Promise.resolve(list[n]!);
    }
    return new Promise((resolve) => this.#waiters.push({ name, resolve: resolve as (r: Received) => void }));
  }

  /** Marks every message received so far as taken. */
  skipAll(): void {
    for (const r of this.received) this.#consumed.set(r.name, this.all(r.name).length);
  }
}

/**
 * Waits for `p` while letting a virtual clock settle (timers due now fire; real I/O gets event-loop
 * turns), for at most `limitMs` of real time: a count of turns ran out when an fsync was slow on
 * a busy disk.
 */
export async function eventually<T>(clock: VirtualClock, p: Promise<T>, limitMs = 10_000): Promise<T> {
  let done = false;
  let value: T | undefined;
  let error: unknown;
  let failed = false;
  p.then(
    (v) => {
      done = true;
      value = v;
    },
    (e) => {
      done = true;
      failed = true;
      error = e;
    },
  );
  const deadline = realClock.now() + limitMs;
  while (!done && realClock.now() < deadline) {
    await clock.advance(0);
    if (!done) await new Promise<void>((r) => setImmediate(r));
  }
  if (!done) throw new Error(`eventually: the promise did not resolve within ${limitMs} ms`);
  if (failed) throw error;
  return value as T;
}

export class FakeContainer implements ContainerHandle {
  #resolve!: (t: ContainerTermination) => void;
  readonly #done: Promise<ContainerTermination>;
  termination: ContainerTermination | undefined;
  kills: { gracePeriodMs?: number }[] = [];

  constructor(
    readonly id: string,
    readonly config: ContainerConfig,
  ) {
    this.#done = new Promise((r) => (this.#resolve = r));
  }
  wait(): Promise<ContainerTermination> {
    return this.#done;
  }
  exit(code: number): void {
    this.#finish({ containerId: this.id, status: { code, signal: null, message: `Command exited with status ${code}` }, killed: false, message: `Command exited with status ${code}` });
  }
  kill(policy: { gracePeriodMs?: number } = {}): Promise<ContainerTermination> {
    this.kills.push(policy);
    this.#finish({ containerId: this.id, status: { code: null, signal: 'SIGTERM', message: 'Command terminated with signal Terminated' }, killed: true, message: 'Command terminated with signal Terminated' });
    return this.#done;
  }
  destroy(): Promise<ContainerTermination> {
    return this.kill({ gracePeriodMs: 0 });
  }
  async usage(): Promise<ResourceStatistics> {
    return { timestamp: 0, cpus_user_time_secs: 1, mem_rss_bytes: 1024 };
  }
  #finish(t: ContainerTermination): void {
    if (this.termination) return;
    this.termination = t;
    this.#resolve(t);
  }
}

export class FakeContainerizer implements AgentContainerizer {
  readonly containers = new Map<string, FakeContainer>();
  readonly forgotten: string[] = [];
  async launch(config: ContainerConfig): Promise<ContainerHandle> {
    const c = new FakeContainer(config.containerId, config);
    this.containers.set(config.containerId, c);
    return c;
  }
  async recover(): Promise<{ recovered: ContainerHandle[]; vanished: ContainerTermination[]; terminated: ContainerTermination[]; orphans: string[] }> {
    return { recovered: [], vanished: [], terminated: [], orphans: [] };
  }
  async forget(id: string): Promise<void> {
    this.forgotten.push(id);
  }
  only(): FakeContainer {
    const all = [...this.containers.values()];
    if (all.length !== 1) throw new Error(`expected one container, have ${all.length}`);
    return all[0]!;
  }
}

/**
 * Starts silent runtimes on a simulated network and virtual clock, one per name; each is pushed onto `runtimes`
 * (the test's afterEach stops them, in reverse).
 */
export function runtimesOn(net: SimulatedNetwork, clock: VirtualClock, runtimes: Runtime[]): (name: string) => Promise<Runtime> {
  return async (name) => {
    const r = await new Runtime({ transport: net.transport(name), clock, name, logger: createLogger(name, 'silent') }).start();
    runtimes.push(r);
    return r;
  };
}

export function tempDir(prefix = 'agent-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const FRAMEWORK: FrameworkInfo = { user: 'root', name: 'test', id: { value: 'F-0000' } };

export function commandTask(id: string, command: string, extra: Partial<TaskInfo> = {}): TaskInfo {
  return {
    name: `task ${id}`,
    task_id: { value: id },
    agent_id: { value: 'M-S0' },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
    ],
    command: { shell: true, value: command },
    ...extra,
  };
}
