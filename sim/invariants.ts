/**
 * What must always hold (safety, checked at every step and at every event
 * that can break it) and what must hold once everything has healed
 * (liveness, checked at the end of the quiet phase). A violation is a
 * sentence naming what broke; the run stops at the first.
 */
import type { Envelope } from 'libprocess-ts';
import type { AgentProcess } from '../agent/agent.js';
import { parseRecordLine, taskMetaDir, updatesJournalPath } from '../agent/checkpoint.js';
import { uuidHex, type JournalRecord } from '../agent/status-updates.js';
import type { StatusUpdate } from '../protocol/messages/common.js';
import { Resources } from '../protocol/resources.js';
import { isActive, isTerminal } from '../protocol/task-states.js';
import type { TaskStatus } from '../protocol/types.js';
import type { AgentNode, Cluster, MasterNode } from './cluster.js';
import type { SimProcess } from './containerizer.js';
import type { FrameworkObserver, GreedyFramework } from './framework.js';

/** Master messages whose term an agent checks (the fencing token). */
const FENCED: ReadonlySet<string> = new Set(['agent_registered', 'agent_reregistered', 'ping']);

/** An update a custom executor sent its agent: its task and state, and where the agent checkpoints it. */
interface ExecutorUpdate {
  readonly task: string;
  readonly state: string;
  readonly node: AgentNode;
  /** The agent's updates journal and the task's meta directory (gone once its checkpoints are discarded). */
  readonly where: { journal: string; taskDir: string; container: string } | undefined;
  /** The disk's wipes then (a wiped disk owes nothing). */
  readonly wipes: number;
}

interface Fencing {
  /** The incarnation looked at last (a restart brings a new AgentProcess at the same address). */
  agent: AgentProcess;
  /** Its disk's wipes then: a restart after a disk loss owes nothing to the terms heard before. */
  wipes: number;
  /** The newest term heard from any master, by this machine's agent since its disk was last lost. */
  heard: number;
  /** The incarnation's registrations count when last looked at. */
  registrations: number;
  /** master pid → its latest registration message: its term, and the newest term heard before it. */
  readonly offered: Map<string, { term: number; heardBefore: number }>;
}

/** Terminal states that say how a task ended (the others say it is lost or unknown). */
const OUTCOMES: ReadonlySet<string> = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR']);

/**
 * What of an agent's updates journal is durable, as its UPDATE records (`<container>/<uuid>`), read as the agent's
 * recovery would read it (complete lines; a torn last line is not a record). A journal is appended to: a later look
 * parses only the lines added since, as long as the durable text still starts with what was parsed (a compaction's
 * rewrite, a crash's truncation or a lost disk start it over).
 */
class DurableJournal {
  /** The durable text parsed so far (whole lines). */
  #text = '';
  readonly #updates = new Set<string>();
  /** A line that does not parse: the journal is unreadable (recovery would stop there), so no record counts. */
  #broken = false;

  has(durable: string | undefined, container: string, uuid: string): boolean {
    const text = durable ?? '';
    if (!text.startsWith(this.#text)) {
      this.#text = '';
      this.#updates.clear();
      this.#broken = false;
    }
    const end = text.lastIndexOf('\n') + 1;
    if (end > this.#text.length && !this.#broken) {
      for (const line of text.slice(this.#text.length, end - 1).split('\n')) {
        const parsed = parseRecordLine(line);
        if (typeof parsed === 'string') {
          this.#broken = true;
          break;
        }
        const rec = parsed.record as JournalRecord;
        if (rec.type === 'UPDATE') this.#updates.add(`${rec.container_id}/${uuidHex(rec.update.uuid)}`);
      }
    }
    this.#text = text.slice(0, end);
    return !this.#broken && this.#updates.has(`${container}/${uuid}`);
  }
}

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
  /**
   * Per agent machine (its address), across restarts: the newest master term it has heard, and the registrations it
   * was offered (fencing). The agent checkpoints (fsync'ed) a newer term before acting on the message that raised it,
   * and a crash lands between two handled messages, so a restart with its disk must remember every term heard; a
   * disk loss forgets them.
   */
  readonly #fencing = new Map<string, Fencing>();
  readonly #agentAt = new Map<string, AgentNode>();
  /** uuid → the task and state of an update a custom executor sent its agent. */
  readonly #executorUpdates = new Map<string, ExecutorUpdate>();
  /** `framework/task` → the terminal outcome its executor had acknowledged. */
  readonly #executorOutcomes = new Map<string, string>();
  /**
   * master name → agent id → the Resources the books check of that agent was last made of, by identity: Resources
   * are immutable, so the same objects give the same verdict and the check is skipped (most agents change in no
   * step).
   */
  readonly #booksSeen = new Map<string, Map<string, unknown[]>>();
  /** `<agent address> <journal path>` → its durable records, parsed as the journal grows. */
  readonly #journals = new Map<string, DurableJournal>();
  violation: Violation | undefined;
  cluster!: Cluster;
  /** Updates checked, tasks started (for the report). */
  readonly counts = { updates: 0, tasksStarted: 0, leaderTerms: 0, safetyChecks: 0 };

  attach(cluster: Cluster): void {
    this.cluster = cluster;
    cluster.onLeader = (m, term) => this.#leader(m, term);
    cluster.onProcess = (node, p, event) => this.#process(node, p, event);
    cluster.onMessage = (from, to, e) => this.#message(from, to, e);
    for (const a of cluster.agents) this.#agentAt.set(a.address, a);
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

  /**
   * What masters tell an agent, for the fencing check: every term it hears (registrations and pings carry the
   * sender's term) and, for each registration offered, the newest term heard before it.
   */
  #message(from: string, to: string, e: Envelope): void {
    if (e.name === 'status_update' || e.name === 'ack') this.#executorMessage(to, e);
    const node = this.#agentAt.get(to);
    const agent = node?.agent;
    if (node === undefined || agent === undefined) return;
    this.#fenced(node); // what the agent did with the messages before this one
    if (!FENCED.has(e.name)) return;
    const term = (e.body as { term?: unknown } | null)?.term;
    if (typeof term !== 'number') return;
    const f = this.#fencingOf(node, agent);
    if (e.name !== 'ping') f.offered.set(`master@${from}`, { term, heardBefore: f.heard });
    f.heard = Math.max(f.heard, term);
  }

  /**
   * An agent never accepts a registration from a master of an older term than one it has already heard from: a
   * deposed leader that has not stepped down yet must not take it back (the term is the fencing token).
   */
  #fenced(node: AgentNode): void {
    const agent = node.agent;
    if (agent !== undefined && this.#fencing.has(node.address)) this.#taken(node, this.#fencingOf(node, agent));
  }

  /** Whether the registration the incarnation took since the last look (if any) was fenced. */
  #taken(node: AgentNode, f: Fencing): void {
    const agent = f.agent;
    if (agent.registrations === f.registrations) return;
    f.registrations = agent.registrations;
    // The registration it took: the only one offered since the last look (the agent may have moved on to another
    // master since, told in the same batch that this one steps down), else the one of the master it points at.
    const master = f.offered.size === 1 ? [...f.offered.keys()][0]! : agent.master.toString();
    const offer = f.offered.get(master);
    f.offered.clear(); // each offer was taken (this one) or passed over
    if (offer !== undefined && offer.term < offer.heardBefore) this.#fail('an agent follows no master of an older term', `${node.name} registered with ${master} of term ${offer.term} after hearing from a master of term ${offer.heardBefore}`);
  }

  /**
   * The fencing record of an agent machine, moved on to its current incarnation: a restarted agent has registered
   * nowhere yet and was offered nothing; it has heard what the one before it heard, unless the disk was lost since.
   */
  #fencingOf(node: AgentNode, agent: AgentProcess): Fencing {
    const wipes = node.disk.counters.wipes;
    let f = this.#fencing.get(node.address);
    if (f === undefined) this.#fencing.set(node.address, (f = { agent, wipes, heard: 0, registrations: agent.registrations, offered: new Map() }));
    if (f.agent !== agent) {
      this.#taken(node, f); // what the crashed incarnation took last
      f.agent = agent;
      f.registrations = agent.registrations;
      f.offered.clear();
    }
    if (f.wipes !== wipes) {
      f.wipes = wipes;
      f.heard = 0;
    }
    return f;
  }

  /**
   * Custom executors' updates and the agent's acknowledgements of them: an acknowledged update is the agent's to
   * deliver (the executor forgets it), so a terminal outcome an executor had acknowledged is the task's outcome.
   */
  #executorMessage(to: string, e: Envelope): void {
    if (e.name === 'status_update') {
      const u = (e.body as { update?: StatusUpdate } | null)?.update;
      const node = this.#agentAt.get(to);
      if (node === undefined || u?.uuid === undefined || u.status?.task_id === undefined) return; // the agent's updates to the master are not these
      // Where the agent checkpoints it (when it knows the executor; the sim's frameworks all checkpoint).
      const agent = node.agent;
      const exId = u.executor_id?.value ?? u.status.executor_id?.value;
      const ex = exId !== undefined ? agent?.frameworks.get(u.framework_id.value)?.executors.get(exId) : undefined;
      const where =
        agent?.agentId !== undefined && ex !== undefined
          ? { journal: updatesJournalPath(agent.flags.work_dir, agent.agentId), taskDir: taskMetaDir(agent.flags.work_dir, agent.agentId, u.framework_id.value, ex.id, ex.containerId, u.status.task_id.value), container: ex.containerId }
          : undefined;
      this.#executorUpdates.set(uuidHex(u.uuid), { task: `${u.framework_id.value}/${u.status.task_id.value}`, state: u.status.state, node, where, wipes: node.disk.counters.wipes });
      return;
    }
    const uuid = (e.body as { uuid?: Uint8Array } | null)?.uuid;
    const sent = uuid !== undefined ? this.#executorUpdates.get(uuidHex(uuid)) : undefined;
    if (sent === undefined) return;
    this.#executorUpdates.delete(uuidHex(uuid!));
    this.#checkpointed(sent, uuidHex(uuid!));
    if (!OUTCOMES.has(sent.state) || this.#executorOutcomes.has(sent.task)) return;
    this.#executorOutcomes.set(sent.task, sent.state);
    const [fwId, task] = sent.task.split('/') as [string, string];
    const seen = this.#terminal.get(fwId)?.get(task);
    if (seen !== undefined && OUTCOMES.has(seen) && seen !== sent.state) this.#fail('a task ends one way', `the executor of task ${sent.task} had ${sent.state} acknowledged, its framework saw ${seen}`);
  }

  /**
   * An update acknowledged to its executor is on the agent's disk for good (durable, not just in the page cache):
   * the executor forgets it once acknowledged, so the agent's checkpoint is then its only copy. Checked as the
   * acknowledgement reaches the executor; void once the machine's disk is replaced or the executor's checkpoints
   * are discarded (its tasks over and acknowledged by the framework).
   */
  #checkpointed(sent: ExecutorUpdate, uuid: string): void {
    const { node, where } = sent;
    if (where === undefined || node.disk.counters.wipes !== sent.wipes || !node.disk.hasDir(where.taskDir)) return;
    const key = `${node.address} ${where.journal}`;
    let journal = this.#journals.get(key);
    if (journal === undefined) this.#journals.set(key, (journal = new DurableJournal()));
    const onDisk = journal.has(node.disk.durable(where.journal), where.container, uuid);
    if (!onDisk) this.#fail('an update acknowledged to its executor is checkpointed', `${node.name} acknowledged ${sent.state} of task ${sent.task} (uuid ${uuid}) to its executor before its record was on disk (${where.journal})`);
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
    const reported = this.#executorOutcomes.get(`${fwId}/${task}`);
    if (reported !== undefined && OUTCOMES.has(status.state) && status.state !== reported) this.#fail('a task ends one way', `${fw.name} (${fwId}) saw task ${task} ${status.state}${status.reason ? ` (${status.reason})` : ''}${status.message ? `: ${status.message}` : ''}, but its executor had ${reported} acknowledged by the agent`);
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
    for (const a of this.cluster.agents) this.#fenced(a);
    for (const m of this.cluster.leaders()) {
      const master = m.ha!.master!;
      const allocator = m.ha!.allocator;
      let seen = this.#booksSeen.get(m.name);
      if (seen === undefined) this.#booksSeen.set(m.name, (seen = new Map()));
      for (const agent of master.state.agents.values()) {
        const offers = master.state.offers.ofAgent(agent.id);
        const view = allocator?.core.agentInfo(agent.id);
        const parts: unknown[] = [agent.total, ...agent.used.values(), ...offers.map((o) => o.resources), view?.total, view?.available, ...(view?.allocated.values() ?? [])];
        const last = seen.get(agent.id);
        if (last !== undefined && last.length === parts.length && last.every((x, i) => x === parts[i])) continue;
        seen.set(agent.id, parts);
        let sum = agent.totalUsed();
        for (const o of offers) sum = sum.add(o.resources);
        const total = agent.total.unallocate();
        if (!total.contains(sum.unallocate())) this.#fail('offered plus used never exceeds an agent', `${m.name}: agent ${agent.id} (${agent.pid}) has ${sum.unallocate().toString()} offered and used of ${total.toString()}`);
        // The allocator's view of the same agent: what it gave out is what the master has offered or in use, and with what is left makes the total.
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
        // An executor's container runs the task it was given, if any: an executor whose run_task was lost on the way
        // (the agent ended that task TASK_DROPPED) idles, running no task, until the framework or the agent stops it.
        const taskId = p.executor !== undefined ? p.executor.task() : p.taskId;
        if (taskId === undefined) continue;
        const known = id !== undefined ? books.agents.get(id)?.tasks.get(p.frameworkId)?.get(taskId) : undefined;
        if (known === undefined) problems.push(`task ${p.frameworkId}/${taskId} runs on ${a.name} (agent ${id ?? '?'}) but the leader ${leader.name} does not know it there`);
        else if (!isActive(known.state)) problems.push(`task ${p.frameworkId}/${taskId} runs on ${a.name} but the leader has it ${known.state}`);
      }
    }
    // No launch is left hanging: a task the leader has as TASK_STAGING reached its agent (and moved on) or was
    // resolved (a run_task lost with its connection: the agent re-registers and answers the reconciliation).
    for (const agent of books.agents.values()) {
      for (const [fwId, tasks] of agent.tasks) {
        for (const t of tasks.values()) if (t.state === 'TASK_STAGING') problems.push(`task ${fwId}/${t.task_id.value} is TASK_STAGING in the books of the leader ${leader.name} on agent ${agent.id}`);
      }
    }
    // Every agent the leader has is connected (offered): one it marked disconnected must come back (seed 158).
    for (const agent of books.agents.values()) if (!agent.connected) problems.push(`agent ${agent.id} (${agent.pid}) is disconnected in the books of the leader ${leader.name}`);
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
