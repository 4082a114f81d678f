/**
 * Simulated processes for the real agent: a machine's process table (which
 * outlives the agent, as OS processes outlive a SIGKILLed agent) and a
 * containerizer over it (the agent's `AgentContainerizer`).
 *
 * A task's command says what its process does: `sim run=<ms> exit=<code>`
 * runs for that long in virtual time and exits with that code (the
 * frameworks draw both from the seed); `sim-executor ...` is a custom
 * executor (sim/executor.ts: the SDK's driver in a runtime of its own, which
 * ends the process when it stops); anything else runs until killed. A
 * kill ends it after the smaller of its grace period and a drawn delay
 * (SIGTERM), a destroy at once (SIGKILL).
 *
 * As with the real containerizer: a process that ends while an agent watches
 * has its termination recorded (`terminated` at the next recovery); one that
 * ends while no agent runs is `vanished` (status unknown); a container
 * reattached after a restart reports an unknown exit status when it ends; a
 * running container the agent does not know is an orphan, destroyed. A
 * launch asked of the containerizer of an agent that has crashed (`detach`)
 * starts nothing and is never answered: the sim cannot stop a dead agent's
 * promise chains, but a SIGKILLed agent hands nothing more to its launcher.
 */
import type { Clock, Random, Timer } from 'libprocess-ts';
import type { AgentContainerizer } from '../agent/agent.js';
import type { ContainerConfig, ContainerTermination, ResourceStatistics } from '../agent/containerizer/types.js';
import type { ContainerHandle } from '../agent/state.js';
import { parseExecutorPlan, type SimExecutorHandle } from './executor.js';

export interface SimProcess {
  readonly containerId: string;
  readonly frameworkId: string;
  readonly taskId: string;
  readonly startedAt: number;
  running: boolean;
  /** The termination recorded by a watching containerizer (undefined: ended unobserved, or running). */
  termination: ContainerTermination | undefined;
  timer: Timer | undefined;
  readonly waiters: ((t: ContainerTermination) => void)[];
  /** A custom executor's runtime (sim/executor.ts), stopped when the process ends. */
  executor?: SimExecutorHandle;
}

/** Starts custom executors (`sim-executor ...` commands) on the machine; `exited` is told when one ends by itself. */
export interface ExecutorHost {
  start(config: ContainerConfig, exited: (code: number) => void): Promise<SimExecutorHandle>;
}

/** One machine's processes. */
export class ProcessTable {
  readonly procs = new Map<string, SimProcess>();
  /** An agent's containerizer is attached (it observes exits). */
  watcher: SimContainerizer | undefined;

  constructor(
    readonly clock: Clock,
    readonly random: Random,
    /** Called whenever a process starts or ends (the invariants watch it). */
    readonly onChange: (p: SimProcess, event: 'start' | 'end') => void,
    /** Called for a process a recovering agent did not know and destroyed (an orphan). */
    readonly onOrphan: (p: SimProcess) => void = () => {},
    /** Runs custom executors; without it, a `sim-executor` command runs until killed like any unknown command. */
    readonly executors?: ExecutorHost,
  ) {}

  running(): SimProcess[] {
    return [...this.procs.values()].filter((p) => p.running);
  }

  /** Ends a process (from its own exit, a kill or a destroy). */
  end(p: SimProcess, code: number | null, signal: string | null, killed: boolean): void {
    if (!p.running) return;
    p.running = false;
    p.timer?.cancel();
    void p.executor?.stop();
    const message = signal !== null ? `Command terminated with signal ${signal}` : `Command exited with status ${String(code)}`;
    const t: ContainerTermination = { containerId: p.containerId, status: { code, signal, message }, killed, message };
    if (this.watcher !== undefined) p.termination = t;
    this.onChange(p, 'end');
    for (const w of p.waiters.splice(0)) w(t);
  }

  /** The machine goes away (its disk is replaced): every process dies, unobserved. */
  wipe(): void {
    for (const p of this.procs.values()) {
      if (!p.running) continue;
      p.running = false;
      p.timer?.cancel();
      void p.executor?.stop();
      this.onChange(p, 'end');
    }
    this.procs.clear();
    this.watcher = undefined;
  }
}

export class SimContainerizer implements AgentContainerizer {
  constructor(
    readonly table: ProcessTable,
    /**
     * How what the machine tells the agent reaches it (a launch done, a container's end): through its process, which
     * a pause freezes (sim/pause.ts `PausableClock.run`), so a paused agent learns of it when it resumes. Default: at once.
     */
    readonly into: (fn: () => void) => void = (fn) => fn(),
  ) {
    table.watcher = this;
  }

  /** `value`, handed to the agent through its process. */
  #toAgent<T>(value: T): Promise<T> {
    return new Promise((resolve) => this.into(() => resolve(value)));
  }

  /** The agent using this containerizer crashed: exits from now on are unobserved, and it launches nothing more. */
  detach(): void {
    if (this.table.watcher === this) this.table.watcher = undefined;
  }

  async launch(config: ContainerConfig): Promise<ContainerHandle> {
    const t = this.table;
    // The agent was killed (`detach`, at its crash) before it handed this launch over: code of a SIGKILLed process
    // (a promise chain the sim's runtime cannot stop) does not run, so nothing starts and nobody is answered.
    if (t.watcher !== this) return new Promise<never>(() => {});
    if (t.procs.has(config.containerId)) throw new Error(`container ${config.containerId} exists`);
    const p: SimProcess = {
      containerId: config.containerId,
      frameworkId: config.frameworkId ?? '',
      taskId: config.taskId ?? config.executorId ?? '',
      startedAt: t.clock.now(),
      running: true,
      termination: undefined,
      timer: undefined,
      waiters: [],
    };
    t.procs.set(p.containerId, p);
    t.onChange(p, 'start');
    const plan = parsePlan(config.command.value ?? '');
    if (plan !== undefined) p.timer = t.clock.timer(plan.runMs, () => t.end(p, plan.exit, null, false));
    else if (t.executors !== undefined && parseExecutorPlan(config.command.value ?? '') !== undefined) {
      const executor = await t.executors.start(config, (code) => t.end(p, code, null, false));
      if (p.running) p.executor = executor;
      else void executor.stop(); // the machine went down (or the container was destroyed) while it started
    }
    return this.#toAgent(this.#handle(p, false));
  }

  recover(knownContainerIds: Iterable<string>): Promise<{ recovered: ContainerHandle[]; vanished: ContainerTermination[]; terminated: ContainerTermination[]; orphans: string[] }> {
    const known = new Set(knownContainerIds);
    const recovered: ContainerHandle[] = [];
    const vanished: ContainerTermination[] = [];
    const terminated: ContainerTermination[] = [];
    const orphans: string[] = [];
    for (const p of [...this.table.procs.values()]) {
      if (!known.has(p.containerId)) {
        if (p.running) {
          orphans.push(p.containerId);
          this.table.onOrphan(p);
          this.table.end(p, null, 'SIGKILL', true);
        }
        continue;
      }
      if (p.running) recovered.push(this.#handle(p, true));
      else if (p.termination !== undefined) terminated.push(p.termination);
      else vanished.push({ containerId: p.containerId, status: null, killed: false, message: 'Container vanished while the agent was down' });
    }
    for (const id of known) {
      if (!this.table.procs.has(id)) vanished.push({ containerId: id, status: null, killed: false, message: 'Container vanished while the agent was down' });
    }
    return Promise.resolve({ recovered, vanished, terminated, orphans });
  }

  forget(containerId: string): Promise<void> {
    const p = this.table.procs.get(containerId);
    if (p !== undefined && !p.running) this.table.procs.delete(containerId);
    return Promise.resolve();
  }

  #handle(p: SimProcess, reattached: boolean): ContainerHandle {
    const t = this.table;
    const wait = (): Promise<ContainerTermination> =>
      new Promise((resolve) => {
        const deliver = (x: ContainerTermination): void => resolve(reattached && !x.killed ? { ...x, status: null, message: 'Container exited while the agent was recovering; its exit status is unknown' } : x);
        if (!p.running) deliver(p.termination ?? { containerId: p.containerId, status: null, killed: false, message: 'Container vanished' });
        else p.waiters.push((x) => this.into(() => deliver(x)));
      });
    return {
      id: p.containerId,
      wait,
      kill: (policy) => {
        if (p.running) {
          const grace = policy?.gracePeriodMs ?? 3000;
          const ms = Math.min(grace, t.random.int(500));
          t.clock.timer(ms, () => t.end(p, null, 'SIGTERM', true));
        }
        return wait();
      },
      destroy: () => {
        t.end(p, null, 'SIGKILL', true);
        return wait();
      },
      usage: (): Promise<ResourceStatistics> => Promise.resolve({ timestamp: t.clock.now() / 1000 }),
    };
  }
}

/** `sim run=<ms> exit=<code>`: what a simulated task does. */
export function parsePlan(command: string): { runMs: number; exit: number } | undefined {
  const m = /^sim run=(\d+) exit=(\d+)$/.exec(command);
  return m ? { runMs: Number(m[1]), exit: Number(m[2]) } : undefined;
}

export function planCommand(runMs: number, exit: number): string {
  return `sim run=${runMs} exit=${exit}`;
}
