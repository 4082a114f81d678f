/**
 * What must always hold (safety, checked at every step and at every event
 * that can break it) and what must hold once everything has healed
 * (liveness, checked at the end of the quiet phase). A violation is a
 * sentence naming what broke; the run stops at the first.
 */
import { Resources } from '../protocol/resources.js';
import { isActive, isTerminal } from '../protocol/task-states.js';
import type { TaskStatus } from '../protocol/types.js';
import type { AgentNode, Cluster, MasterNode } from './cluster.js';
import type { SimProcess } from './containerizer.js';
import type { FrameworkObserver, GreedyFramework } from './framework.js';

/** Terminal states that say how a task ended (the others say it is lost or unknown). */
const OUTCOMES: ReadonlySet<string> = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR']);

export class Violation extends Error {
  constructor(
    readonly invariant: string,
    message: string,
  ) {
    super(`${invariant}: ${message}`);
    this.name = 'Violation';
  }
}

export class Invariants implements FrameworkObserver {
  /** term → the master that led it. */
  readonly #leaders = new Map<number, string>();
  /** `framework/task` → the container running it. */
  readonly #running = new Map<string, string>();
  /** framework id → task id → its first terminal state seen by the scheduler. */
  readonly #terminal = new Map<string, Map<string, string>>();
  /** framework id → uuids of updates the scheduler got (and acknowledged). */
  readonly #acked = new Map<string, Set<string>>();
  violation: Violation | undefined;
  cluster!: Cluster;
  /** Updates checked, tasks started (for the report). */
  readonly counts = { updates: 0, tasksStarted: 0, leaderTerms: 0, safetyChecks: 0 };

  attach(cluster: Cluster): void {
    this.cluster = cluster;
    cluster.onLeader = (m, term) => this.#leader(m, term);
    cluster.onProcess = (node, p, event) => this.#process(node, p, event);
    // Every sim framework checkpoints, and an agent checkpoints a task before it launches it: a restart that did not
    // lose the disk must find every running task again (Mesos's promise to checkpointing frameworks).
    cluster.onOrphan = (node, p) => this.#fail('a checkpointed task survives its agent restarting', `${node.name} restarted (its disk intact) without knowing task ${p.frameworkId}/${p.taskId}, which was running, and killed it`);
  }

  #fail(invariant: string, message: string): void {
    if (this.violation !== undefined) return;
    this.violation = new Violation(invariant, message);
    this.cluster.trace.note(`VIOLATION ${this.violation.message}`);
    this.cluster.trace.freeze();
  }

  // ---------------------------------------------------------------- safety, as events happen

  #leader(m: MasterNode, term: number): void {
    this.counts.leaderTerms++;
    this.cluster.trace.note(`${m.name} leads term ${term}`);
    const other = this.#leaders.get(term);
    if (other !== undefined && other !== m.name) this.#fail('one leader per term', `${m.name} and ${other} both led term ${term}`);
    this.#leaders.set(term, m.name);
  }

  #process(node: AgentNode, p: SimProcess, event: 'start' | 'end'): void {
    const key = `${p.frameworkId}/${p.taskId}`;
    if (event === 'start') {
      this.counts.tasksStarted++;
      const other = this.#running.get(key);
      if (other !== undefined) this.#fail('a task id never runs twice', `task ${key} started in ${node.name} (${p.containerId}) while it runs in ${other}`);
      this.#running.set(key, `${node.name} (${p.containerId})`);
    } else if (this.#running.get(key) === `${node.name} (${p.containerId})`) {
      this.#running.delete(key);
    }
  }

  /** A scheduler restarted: it remembers no acknowledgement (a redelivery to it is at least once, allowed). */
  restarted(fw: GreedyFramework): void {
    this.#acked.delete(fw.frameworkId ?? fw.name);
  }

  update(fw: GreedyFramework, status: TaskStatus): void {
    this.counts.updates++;
    const fwId = fw.frameworkId ?? fw.name;
    this.cluster.trace.note(`${fw.name} gets ${status.task_id.value} ${status.state}${status.reason ? ` ${status.reason}` : ''}`);
    const task = status.task_id.value;
    let terminal = this.#terminal.get(fwId);
    if (terminal === undefined) this.#terminal.set(fwId, (terminal = new Map()));
    const seen = terminal.get(task);
    if (seen !== undefined && isTerminal(status.state) && OUTCOMES.has(seen) && OUTCOMES.has(status.state) && seen !== status.state) this.#fail('a task ends one way', `${fw.name} (${fwId}) saw task ${task} ${seen}, then ${status.state}${status.reason ? ` (${status.reason})` : ''}${status.message ? `: ${status.message}` : ''}`);
    if (seen !== undefined && !isTerminal(status.state)) this.#fail('no task goes back from a terminal state', `${fw.name} (${fwId}) saw task ${task} ${seen}, then ${status.state}${status.reason ? ` (${status.reason})` : ''}${status.message ? `: ${status.message}` : ''}`);
    if (seen === undefined && isTerminal(status.state)) terminal.set(task, status.state);
    if (status.uuid !== undefined) {
      let acked = this.#acked.get(fwId);
      if (acked === undefined) this.#acked.set(fwId, (acked = new Set()));
      const id = `${task}/${Buffer.from(status.uuid).toString('hex')}`;
      if (acked.has(id)) this.#fail('an acknowledged update is never redelivered as new', `${fw.name} (${fwId}) got update ${status.state} of task ${task} (uuid ${id}) again after acknowledging it`);
      acked.add(id);
    }
  }

  /** Checks of the leader's books, after every step. */
  step(): void {
    this.counts.safetyChecks++;
    for (const m of this.cluster.leaders()) {
      const master = m.ha!.master!;
      const allocator = m.ha!.allocator;
      for (const agent of master.state.agents.values()) {
        let sum = agent.totalUsed();
        for (const o of master.state.offers.ofAgent(agent.id)) sum = sum.add(o.resources);
        const total = agent.total.unallocate();
        if (!total.contains(sum.unallocate())) this.#fail('offered plus used never exceeds an agent', `${m.name}: agent ${agent.id} (${agent.pid}) has ${sum.unallocate().toString()} offered and used of ${total.toString()}`);
        // The allocator's view of the same agent: what it gave out is what the master has offered or in use, and with what is left makes the total.
        const view = allocator?.core.agentInfo(agent.id);
        if (view === undefined) continue;
        let allocated = Resources.empty();
        for (const r of view.allocated.values()) allocated = allocated.add(r);
        if (!allocated.unallocate().equals(sum.unallocate())) this.#fail('offered plus used never exceeds an agent', `${m.name}: agent ${agent.id}: the allocator has ${allocated.unallocate().toString()} allocated, the master ${sum.unallocate().toString()} offered and used`);
        if (!allocated.unallocate().add(view.available.unallocate()).equals(total)) this.#fail('offered plus used never exceeds an agent', `${m.name}: the allocator has ${allocated.unallocate().toString()} allocated and ${view.available.unallocate().toString()} available on agent ${agent.id}, total ${total.toString()}`);
      }
    }
  }

  // ---------------------------------------------------------------- liveness, after healing

  /** Everything healed: what must hold now. Returns the problems (empty: live). */
  liveness(): string[] {
    const c = this.cluster;
    const problems: string[] = [];
    const leaders = c.leaders();
    if (leaders.length !== 1) return [`one leader after healing: ${leaders.length} lead (${leaders.map((l) => l.name).join(', ') || 'none'})`];
    const leader = leaders[0]!;
    const master = leader.ha!.master!;
    const books = master.state;
    // Every running task is known to the leader, on its agent.
    for (const a of c.agents) {
      const id = a.agent?.agentId;
      for (const p of a.table.running()) {
        const known = id !== undefined ? books.agents.get(id)?.tasks.get(p.frameworkId)?.get(p.taskId) : undefined;
        if (known === undefined) problems.push(`task ${p.frameworkId}/${p.taskId} runs on ${a.name} (agent ${id ?? '?'}) but the leader ${leader.name} does not know it there`);
        else if (!isActive(known.state)) problems.push(`task ${p.frameworkId}/${p.taskId} runs on ${a.name} but the leader has it ${known.state}`);
      }
    }
    // Every framework is subscribed.
    for (const s of c.schedulers) {
      const fw = s.framework;
      if (fw.driver === undefined || !fw.driver.connected) problems.push(`${fw.name} (${fw.frameworkId ?? '?'}) is not subscribed`);
      else if (books.frameworks.get(fw.frameworkId!)?.connected !== true) problems.push(`${fw.name} (${fw.frameworkId}) is not connected in the leader's books`);
    }
    // Every update is acknowledged.
    for (const a of c.agents) {
      for (const s of a.agent?.sum.streams.values() ?? []) {
        if (s.pending.length > 0) problems.push(`${a.name}: ${s.pending.length} update(s) of task ${s.frameworkId}/${s.taskId} not acknowledged (head ${s.pending[0]!.status.state})`);
      }
    }
    // The registry and the live books agree.
    problems.push(...this.registryAgrees(leader));
    // DRF: identical greedy frameworks get shares within 5% of each other.
    let total = 0;
    for (const agent of books.agents.values()) total += agent.total.scalar('cpus');
    const shares = c.schedulers.map((s) => {
      const f = books.frameworks.get(s.framework.frameworkId ?? '');
      let used = Resources.empty();
      for (const agent of books.agents.values()) {
        const u = agent.used.get(f?.id ?? '');
        if (u !== undefined) used = used.add(u);
      }
      for (const o of books.offers.ofFramework(f?.id ?? '')) used = used.add(o.resources);
      return { name: s.framework.name, share: total > 0 ? used.scalar('cpus') / total : 0 };
    });
    if (shares.length > 1) {
      const max = Math.max(...shares.map((s) => s.share));
      const min = Math.min(...shares.map((s) => s.share));
      if (max - min > 0.05 + 1e-9) problems.push(`DRF shares differ by more than 5%: ${shares.map((s) => `${s.name} ${(s.share * 100).toFixed(1)}%`).join(', ')}`);
    }
    return problems;
  }

  /** The registry the leader wrote and its books: the same agents (admitted, unreachable) and frameworks. */
  registryAgrees(leader: MasterNode): string[] {
    const ha = leader.ha!;
    const books = ha.master!.state;
    const reg = ha.registrar.registry;
    const problems: string[] = [];
    const pending = ha.term?.pendingAgents ?? new Map();
    const admitted = new Set([...books.agents.keys(), ...pending.keys()]);
    for (const id of reg.agents.keys()) if (!admitted.has(id)) problems.push(`registry: agent ${id} admitted in the registry, not in the books of ${leader.name}`);
    for (const id of books.agents.keys()) if (!reg.agents.has(id)) problems.push(`registry: agent ${id} in the books of ${leader.name}, not admitted in the registry`);
    for (const id of books.unreachableAgents.keys()) if (!reg.unreachable.has(id)) problems.push(`registry: agent ${id} unreachable in the books, not in the registry`);
    for (const id of books.frameworks.keys()) if (!reg.frameworks.has(id)) problems.push(`registry: framework ${id} in the books, not in the registry`);
    return problems;
  }
}
