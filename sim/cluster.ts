/**
 * The whole cluster in one Node process: 3 real HA masters (replicated log
 * on in-memory storage), N real AgentProcesses (simulated containerizer and
 * disk), K real SDK scheduler drivers, each node its own runtime on one
 * SimulatedNetwork, all on one VirtualClock, every random choice drawn from
 * one seed. Nodes crash (their runtime stops, as SIGKILL) and restart at
 * the same address, with or without their disk.
 */
import { PID, Random, Runtime, createLogger, type Envelope, type Logger } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock } from 'libprocess-ts/testing';
import { AgentProcess } from '../agent/agent.js';
import { ExecutorTokens } from '../agent/executor-token.js';
import { agentFlags } from '../agent/flags.js';
import { HaMaster } from '../master/leader.js';
import { MemoryStorage } from '../master/log/storage.js';
import type { Timing } from '../master/log/types.js';
import { Resources } from '../protocol/resources.js';
import { ProcessTable, SimContainerizer, type SimProcess } from './containerizer.js';
import { SimDisk } from './disk.js';
import { startExecutor } from './executor.js';
import { GreedyFramework, type FrameworkObserver } from './framework.js';
import { MutantAgentTransport, agentDisk, type Mutations } from './mutations.js';
import { NodePause, PausableClock, PausableTransport } from './pause.js';
import { Trace } from './trace.js';

export interface ClusterOptions {
  readonly seed: number;
  readonly agents: number;
  readonly frameworks: number;
  /** Agent resources (each). */
  readonly agentResources: string;
  /** Cap of active tasks per framework. */
  readonly maxTasksPerFramework: number;
  readonly mutations: Mutations;
  /** Lines of timeline kept. */
  readonly traceLines?: number;
  /** How long a chaos-phase task runs, ms. */
  readonly taskRunMs: readonly [number, number];
  /** Offers not answered in this long are rescinded (offers lost on the network come back). */
  readonly offerTimeoutMs: number;
  /** The masters' heartbeats to schedulers; a driver gives up on a silent master after two. */
  readonly heartbeatSeconds: number;
  /** The masters' agent pings (`--agent_ping_timeout`, `--max_agent_ping_timeouts`; default 3 s and 3, for a quick heal; Mesos's are 15 s and 5). */
  readonly agentPingTimeoutMs?: number;
  readonly maxAgentPingTimeouts?: number;
  /** The masters' allocators allocate at once when resources are recovered, as Mesos 0.x (the paper's experiments); default false. */
  readonly allocateOnRecovery?: boolean;
  /** The share of tasks run by a custom executor (sim/executor.ts) rather than as command tasks. */
  readonly executorShare?: number;
  /** How long a framework declines an offer it cannot use (and what is left of one it used) for, s (default 1). */
  readonly declineSeconds?: number;
  /** The masters' replicated-log timing (default: the log's own, faster than real masters' HA_MASTER_TIMING). */
  readonly masterTiming?: Partial<Timing>;
}

const silent: Logger = createLogger('sim', 'silent');
const quietAgentLog = { info: (): void => {}, warn: (): void => {} };

export const MASTER_PORT = 5050;
export const AGENT_PORT = 5051;
export const SCHEDULER_PORT = 6060;
/** Custom executors listen at EXECUTOR_PORT + n on their agent's host. */
export const EXECUTOR_PORT = 7000;

export interface MasterNode {
  readonly kind: 'master';
  readonly name: string;
  readonly address: string;
  storage: MemoryStorage;
  runtime: Runtime | undefined;
  /** Pauses this incarnation (sim/pause.ts). */
  pause?: NodePause;
  ha: HaMaster | undefined;
  starts: number;
}

export interface AgentNode {
  readonly kind: 'agent';
  readonly name: string;
  readonly address: string;
  readonly disk: SimDisk;
  readonly table: ProcessTable;
  runtime: Runtime | undefined;
  pause?: NodePause;
  agent: AgentProcess | undefined;
  cz: SimContainerizer | undefined;
  starts: number;
}

export interface SchedulerNode {
  readonly kind: 'scheduler';
  readonly name: string;
  readonly address: string;
  framework: GreedyFramework;
  runtime: Runtime | undefined;
  pause?: NodePause;
  starts: number;
}

export type SimNode = MasterNode | AgentNode | SchedulerNode;

export class Cluster {
  readonly clock = new VirtualClock();
  readonly random: Random;
  readonly network: SimulatedNetwork;
  readonly trace: Trace;
  readonly masters: MasterNode[] = [];
  readonly agents: AgentNode[] = [];
  readonly schedulers: SchedulerNode[] = [];
  /** Hooks the invariants install. */
  onProcess: (node: AgentNode, p: SimProcess, event: 'start' | 'end') => void = () => {};
  onOrphan: (node: AgentNode, p: SimProcess) => void = () => {};
  onLeader: (node: MasterNode, term: number) => void = () => {};
  /** Every message the network delivers, before its receiver handles it. */
  onMessage: (from: string, to: string, e: Envelope) => void = () => {};
  #frameworks = 0;
  /** Executor tokens signed with a key of the simulation (not one generated on a real disk). */
  readonly #executorTokens = new ExecutorTokens(Buffer.from('sim-executor-secret-key-0123456789abcdef'));
  /** Frameworks whose scheduler tore them down (the teardown message may have been lost). */
  readonly tornDown = new Set<string>();
  readonly #agentAddresses = new Set<string>();

  constructor(readonly options: ClusterOptions, readonly observer: FrameworkObserver) {
    this.random = new Random(options.seed);
    this.trace = new Trace(() => this.clock.now(), options.traceLines ?? 4000);
    this.network = new SimulatedNetwork({
      clock: this.clock,
      seed: this.random.uint32(),
      latencyMs: [1, 5],
      loopback: true, // an agent and its executors
      observer: (kind, from, to, e) => {
        this.trace.message(kind, from, to, `${e.to.split('@')[0]}.${e.name}${describe(e.name, e.body)}`);
        // An agent's own messages are seen as it reads them (its transport: a paused agent reads late, in its order).
        if (kind === 'deliver' && !this.#agentAddresses.has(to)) this.onMessage(from, to, e);
      },
    });
    for (let i = 1; i <= 3; i++) this.masters.push({ kind: 'master', name: `m${i}`, address: `m${i}:${MASTER_PORT}`, storage: new MemoryStorage(), runtime: undefined, ha: undefined, starts: 0 });
    for (let i = 1; i <= options.agents; i++) {
      const name = `a${i}`;
      let executors = 0;
      const node: AgentNode = {
        kind: 'agent',
        name,
        address: `${name}:${AGENT_PORT}`,
        // An fsync'ed write takes 1-10 ms (an SSD under load): a crash can land between a write and its fsync.
        disk: new SimDisk({ clock: this.clock, random: this.random.fork(), ignoreFsync: options.mutations.skipFsync === true, latencyMs: [1, 10] }),
        table: undefined as unknown as ProcessTable,
        runtime: undefined,
        agent: undefined,
        cz: undefined,
        starts: 0,
      };
      (node as { table: ProcessTable }).table = new ProcessTable(
        this.clock,
        this.random.fork(),
        (p, event) => {
          this.trace.note(`${name} process ${p.taskId} ${event}`);
          this.onProcess(node, p, event);
        },
        (p) => {
          this.trace.note(`${name} orphan ${p.taskId} destroyed at recovery`);
          this.onOrphan(node, p);
        },
        {
          // Custom executors run on the agent's machine, each at its own port (loopback to the agent).
          start: (config, exited) => startExecutor(this.network, this.clock, node.table.random, name, EXECUTOR_PORT + ++executors, config, exited),
        },
      );
      this.agents.push(node);
      this.#agentAddresses.add(node.address);
    }
    for (let i = 1; i <= options.frameworks; i++) this.schedulers.push({ kind: 'scheduler', name: `s${i}`, address: `s${i}:${SCHEDULER_PORT}`, framework: this.#newFramework(), runtime: undefined, starts: 0 });
  }

  get masterPids(): string[] {
    return this.masters.map((m) => `master@${m.address}`);
  }

  #newFramework(): GreedyFramework {
    return new GreedyFramework(`fw${++this.#frameworks}`, this.masterPids, this.random.fork(), this.observer, this.options.maxTasksPerFramework, this.options.taskRunMs, this.options.executorShare ?? 0, this.options.declineSeconds ?? 1);
  }

  /** A node's runtime at `host:port`, on a clock and a transport that a pause freezes (`node.pause`). */
  async #runtime(node: SimNode, port: number, transport?: PausableTransport): Promise<Runtime> {
    const t = transport ?? new PausableTransport(this.network, node.name, port);
    const clock = new PausableClock(this.clock);
    node.pause = new NodePause(clock, t);
    return new Runtime({ transport: t, clock, name: node.name, logger: silent }).start();
  }

  async startAll(): Promise<void> {
    for (const m of this.masters) await this.startMaster(m);
    for (const a of this.agents) await this.startAgent(a);
    for (const s of this.schedulers) await this.startScheduler(s);
  }

  async startMaster(m: MasterNode): Promise<void> {
    if (m.runtime !== undefined) return;
    m.starts++;
    this.trace.note(`start ${m.name}`);
    const runtime = await this.#runtime(m, MASTER_PORT);
    m.runtime = runtime;
    const ha = new HaMaster(runtime, {
      storage: m.storage,
      replicas: this.masters.map((x) => `log@${x.address}`),
      seed: this.random.uint32(),
      logger: silent,
      reregisterTimeoutMs: 30_000,
      ...(this.options.masterTiming !== undefined ? { timing: this.options.masterTiming } : {}),
      // No sim task uses disk, yet every offer carries its agent's whole disk: counted, a framework given two of
      // three agents' remainders in one batch held 2/3 of the disk and lost the third to the framework ahead, while
      // it launches one task per offers event; DRF then never closed a gap (seeds 37, 127). As an operator would, the
      // masters leave disk out of the shares (Mesos's --fair_sharing_excluded_resource_names).
      flags: { agentPingTimeoutMs: this.options.agentPingTimeoutMs ?? 3_000, maxAgentPingTimeouts: this.options.maxAgentPingTimeouts ?? 3, allocationIntervalMs: 1000, offerTimeoutMs: this.options.offerTimeoutMs, heartbeatIntervalSeconds: this.options.heartbeatSeconds, allocateOnRecovery: this.options.allocateOnRecovery === true, fairSharingExcludedResourceNames: ['disk'] },
    });
    m.ha = ha;
    ha.replica.subscribe({
      elected: (term) => {
        if (this.options.mutations.recoverTwice === true && ha.allocator !== undefined) {
          const core = ha.allocator.core;
          const recover = core.recoverResources.bind(core);
          core.recoverResources = (...args: Parameters<typeof recover>): void => {
            recover(...args);
            recover(...args);
          };
        }
        this.onLeader(m, term);
      },
      demoted: () => {},
    });
  }

  async startAgent(a: AgentNode): Promise<void> {
    if (a.runtime !== undefined) return;
    a.starts++;
    this.trace.note(`start ${a.name}`);
    const transport = new MutantAgentTransport(this.network, a.name, AGENT_PORT);
    transport.mutations = this.options.mutations;
    transport.onReceived = (from, e) => this.onMessage(from, a.address, e);
    const runtime = await this.#runtime(a, AGENT_PORT, transport);
    const workDir = `/sim/${a.name}`;
    const flags = agentFlags({
      master: this.masters.map((m) => m.address).join(','),
      work_dir: workDir,
      resources: this.options.agentResources,
      fsync: true,
      status_update_retry_interval_min: '2secs',
      status_update_retry_interval_max: '20secs',
      registration_backoff_factor: '1secs',
    });
    const clock = a.pause!.clock;
    const cz = new SimContainerizer(a.table, (fn) => clock.run(fn));
    const agent = new AgentProcess({
      flags,
      resources: Resources.parse(this.options.agentResources),
      containerizer: cz,
      random: this.random.fork(),
      logger: quietAgentLog,
      disk: agentDisk(a.disk, workDir, this.options.mutations),
      endpoint: a.address,
      executorTokens: this.#executorTokens,
    });
    a.runtime = runtime;
    a.agent = agent;
    a.cz = cz;
    runtime.spawn(agent, 'slave(1)');
    agent.ready.catch((e: Error) => this.trace.note(`${a.name} failed to start: ${e.message}`));
  }

  async startScheduler(s: SchedulerNode): Promise<void> {
    if (s.runtime !== undefined) return;
    s.starts++;
    if (s.framework.removed) {
      this.trace.note(`${s.name}: framework ${s.framework.name} removed; a new one starts`);
      s.framework = this.#newFramework();
    }
    this.trace.note(`start ${s.name} (${s.framework.name}${s.framework.frameworkId !== undefined ? ` failing over to ${s.framework.frameworkId}` : ''})`);
    const runtime = await this.#runtime(s, SCHEDULER_PORT);
    s.runtime = runtime;
    await s.framework.start(runtime);
  }

  /** SIGKILL of a node's process; with `wipe`, its disk is lost too (and, for an agent, the machine's processes). */
  async crash(node: SimNode, wipe = false): Promise<void> {
    if (node.runtime === undefined) return;
    this.trace.note(`crash ${node.name}${wipe ? ' with disk loss' : ''}`);
    const runtime = node.runtime;
    node.runtime = undefined;
    node.pause?.clock.discard(); // a paused process is killed as well (what it would have done never happens)
    node.pause = undefined;
    switch (node.kind) {
      case 'master':
        node.ha = undefined;
        await runtime.stop();
        if (wipe) node.storage.wipe();
        break;
      case 'agent':
        node.cz?.detach();
        node.agent = undefined;
        node.cz = undefined;
        await runtime.stop();
        if (wipe) {
          node.disk.wipe();
          node.table.wipe();
        } else node.disk.crash();
        break;
      case 'scheduler':
        node.framework.driver = undefined;
        await runtime.stop();
        break;
    }
  }

  /** The framework's scheduler tears it down (its tasks are killed); a new framework takes its place at the next start. */
  async teardown(s: SchedulerNode): Promise<void> {
    const d = s.framework.driver;
    if (s.runtime === undefined || d === undefined || !d.connected) return;
    this.trace.note(`teardown ${s.framework.name} (${s.framework.frameworkId ?? '?'})`);
    s.framework.removed = true;
    if (s.framework.frameworkId !== undefined) this.tornDown.add(s.framework.frameworkId);
    void d.stop(false).catch(() => {});
    await this.clock.advance(50);
    await this.crash(s);
  }

  /**
   * The operator finishes teardowns whose message was lost (a driver sends TEARDOWN once): TEARDOWN through the
   * leader's operator API for every torn-down framework it still has.
   */
  async operatorTeardowns(): Promise<void> {
    for (const m of this.leaders()) {
      for (const id of this.tornDown) {
        if (!m.ha!.master!.state.frameworks.has(id)) continue;
        this.trace.note(`operator: TEARDOWN ${id} at ${m.name}`);
        const body = Buffer.from(JSON.stringify({ type: 'TEARDOWN', teardown: { framework_id: { value: id } } }));
        await m.runtime!.handleHttp({ method: 'POST', path: '/api/v1', query: new URLSearchParams(), headers: { 'content-type': 'application/json' }, body } as never);
      }
    }
  }

  /** The masters leading now. */
  leaders(): MasterNode[] {
    return this.masters.filter((m) => m.ha?.leading === true);
  }

  nodes(): SimNode[] {
    return [...this.masters, ...this.agents, ...this.schedulers];
  }

  pid(node: SimNode): PID {
    return PID.parse(`x@${node.address}`);
  }

  async stop(): Promise<void> {
    for (const n of this.nodes()) {
      const r = n.runtime;
      n.runtime = undefined;
      await r?.stop();
    }
  }
}

/** A few words on the messages a reader of a timeline needs to follow (tasks, states, terms). */
function describe(name: string, body: unknown): string {
  const b = body as Record<string, any> | null;
  if (b === null || typeof b !== 'object') return '';
  try {
    switch (name) {
      case 'status_update': {
        const st = (b.update?.status ?? b.status) as { task_id?: { value: string }; state?: string; reason?: string } | undefined;
        return st ? ` ${st.task_id?.value} ${st.state}${st.reason ? ` ${st.reason}` : ''}` : '';
      }
      case 'acknowledge':
      case 'status_update_acknowledgement':
      case 'kill_task':
      case 'kill':
        return ` ${b.task_id?.value ?? ''}`;
      case 'run_task':
        return ` ${b.task?.task_id?.value ?? ''}`;
      case 'accept':
        return ` ${(b.operations ?? []).flatMap((o: any) => (o.launch?.task_infos ?? []).map((t: any) => t.task_id.value)).join(',')}`;
      case 'offers':
        // Which agent (the end of its id) and how many cpus each offer holds.
        return ` ${(b.offers ?? []).map((o: any) => `${String(o.agent_id?.value ?? '').slice(-3)}:${(o.resources ?? []).find((r: any) => r.name === 'cpus')?.scalar?.value ?? 0}`).join(',')}`;
      default:
        return typeof b.term === 'number' ? ` term ${b.term}` : '';
    }
  } catch {
    return '';
  }
}
