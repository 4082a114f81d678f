/**
 * A deterministic simulation of N consensus cores (no runtime: fast enough
 * for thousands of seeds): a seeded network with latency, loss, duplication,
 * reordering and partitions; crashes, restarts and wiped disks; snapshots.
 * Disks are pipelined as in the replica actor: a Ready's eager messages leave at
 * once, its writes become durable after a drawn fsync time (one fsync in flight
 * per replica, the writes queued meanwhile share the next: group commit), and
 * its other messages leave only then; a crash loses the writes not yet synced
 * (a random prefix of them may have reached the disk).
 * It checks safety after every event and throws with the seed on a violation.
 */
import { Random } from 'libprocess-ts';
import { ConsensusCore, type Ready } from '../core.js';
import type { Message, Outgoing } from '../messages.js';
import { MemoryStorage } from '../storage.js';
import { crc32 } from '../crc32.js';
import type { Entry, Timing, Write } from '../types.js';

export interface SimOptions {
  readonly seed: number;
  readonly replicas?: number;
  /** Virtual ms of faults; then everything heals and the log must make progress. */
  readonly faultyMs?: number;
  readonly loss?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
  readonly crashes?: boolean;
  readonly wipes?: boolean;
  readonly partitions?: boolean;
  readonly snapshots?: boolean;
  /** Leaders give their leadership up now and then (and hand it over, core.resign). Default true. */
  readonly resigns?: boolean;
  readonly timing?: Partial<Timing>;
  /** Time an fsync takes, drawn per sync in [min, max] ms; [0, 0]: writes are durable at once. Default: drawn from the seed. */
  readonly fsyncMs?: readonly [number, number];
  /** Whether a crash may keep a prefix of the writes not yet synced (default true); false: it loses them all. */
  readonly tornWrites?: boolean;
  /** Most payload bytes per message (default: drawn; a third of the seeds use 8, so snapshots travel in chunks). */
  readonly maxBytesPerMessage?: number;
}

/** Writes queued for one fsync, and what waits for them. */
interface SyncGroup {
  writes: Write[];
  persist: { index: number; term: number } | undefined;
  messages: Outgoing[];
  inFlight: boolean;
}

interface Node {
  readonly id: string;
  readonly storage: MemoryStorage;
  core: ConsensusCore | null;
  /** Bumped when the disk is wiped: messages the old incarnation sent are dropped (see README: assumptions). */
  epoch: number;
  /** The application: a hash chain over applied entries. */
  appliedIndex: number;
  appHash: number;
  /** Bumped at every crash: a pending fsync of an earlier incarnation never completes. */
  incarnation: number;
  /** Writes not yet durable, in order (the first group may be in flight). */
  groups: SyncGroup[];
  /** This replica's fsync time, [min, max] ms. */
  fsyncMs: readonly [number, number];
}

type Event =
  | { at: number; seq: number; kind: 'deliver'; from: string; to: string; epoch: number; message: Message }
  | { at: number; seq: number; kind: 'tick'; node: string }
  | { at: number; seq: number; kind: 'restart'; node: string }
  | { at: number; seq: number; kind: 'synced'; node: string; incarnation: number }
  | { at: number; seq: number; kind: 'peerDown'; node: string; peer: string };

export interface SimResult {
  readonly seed: number;
  readonly leaders: Map<number, string>;
  readonly acknowledged: number;
  readonly committedMax: number;
  readonly events: number;
}

const enc = new TextEncoder();

export class CoreSim {
  readonly random: Random;
  readonly nodes: Node[] = [];
  readonly ids: string[];
  now = 0;
  #seq = 0;
  #queue: Event[] = [];
  #blocked = new Set<string>();
  /** term -> leader */
  readonly leaders = new Map<number, string>();
  /** index -> {term, hash after applying it} as first committed anywhere */
  readonly committed = new Map<number, { term: number; hash: number }>();
  /** Appends acknowledged to a client: committed on their leader. */
  readonly acked: { index: number; term: number; at: number }[] = [];
  readonly #pending = new Map<string, { index: number; term: number }[]>();
  #nextData = 1;
  events = 0;
  /** Appends acknowledged while their leader's own copy was not yet durable (pipelined fsync at work). */
  ackedBeforeLeaderSync = 0;
  /** Crashes that lost writes not yet synced. */
  crashesLosingWrites = 0;
  /** Snapshot chunks sent (installSnapshot messages carrying a part of a larger snapshot). */
  snapshotChunks = 0;
  /** Vote requests of a candidate its resigning leader handed the leadership to (sent, per peer). */
  transferVotes = 0;
  /** Entries sent in log.append messages, per `from|to` (flow control tests). */
  readonly entriesSent = new Map<string, number>();
  readonly #tickMs: number;
  readonly #maxBytes: number | undefined;

  constructor(readonly options: SimOptions) {
    this.random = new Random(options.seed);
    const n = options.replicas ?? 3;
    this.ids = Array.from({ length: n }, (_, i) => `r${i}`);
    this.#tickMs = options.timing?.tickMs ?? 10;
    // A quarter of the seeds with synchronous disks, the rest with fsyncs slower than the network.
    const fsyncMs = options.fsyncMs ?? (this.random.chance(0.25) ? [0, 0] : [1, this.random.range(2, 15)]);
    this.#maxBytes = options.maxBytesPerMessage ?? (this.random.chance(1 / 3) ? 8 : undefined);
    for (const id of this.ids) {
      this.nodes.push({ id, storage: new MemoryStorage(), core: null, epoch: 0, appliedIndex: 0, appHash: 0, incarnation: 0, groups: [], fsyncMs });
    }
    for (const node of this.nodes) this.#start(node);
  }

  node(id: string): Node {
    return this.nodes.find((n) => n.id === id)!;
  }

  // ---- running

  run(untilMs: number, onStep?: () => void): void {
    while (this.#queue.length > 0 && this.#queue[0]!.at <= untilMs) {
      const ev = this.#pop();
      this.now = ev.at;
      this.events++;
      this.#fire(ev);
      onStep?.();
    }
    this.now = untilMs;
  }

  /** The standard randomized scenario: faults for `faultyMs`, then heal and require progress. */
  scenario(): SimResult {
    const o = this.options;
    const faultyMs = o.faultyMs ?? 4000;
    let t = 0;
    while (t < faultyMs) {
      const step = this.random.range(20, 200);
      this.run(t + step);
      t += step;
      this.#proposeSomewhere();
      const r = this.random.float();
      if (o.partitions !== false && r < 0.02) this.partitionRandomly();
      else if (o.partitions !== false && r < 0.04) this.cutRandomLink();
      else if (o.partitions !== false && r < 0.08) this.heal();
      else if (o.crashes !== false && r < 0.11) this.crash(this.random.pick(this.ids), this.random.range(50, 1500));
      else if (o.wipes !== false && r < 0.125) this.#maybeWipe();
      else if (o.resigns !== false && r < 0.135) this.resignLeader();
      if (o.snapshots !== false && this.random.chance(0.05)) this.#snapshotSomewhere();
    }
    // Calm: heal, restart everything, and the log must elect a leader and commit.
    this.heal();
    for (const n of this.nodes) if (n.core === null) this.#start(n);
    this.#lossless = true;
    this.run(t + 6000);
    const leader = this.nodes.find((n) => n.core?.role === 'leader' && n.core.ready);
    if (leader === undefined) this.fail(`no ready leader 6 s after healing: ${this.describe()}`);
    const before = this.acked.length;
    const key = this.propose(leader!.id, 1);
    this.run(this.now + 2000);
    if (key && this.acked.length === before) this.fail(`an append on leader ${leader!.id} did not commit within 2 s after healing: ${this.describe()}`);
    for (const n of this.nodes) {
      if (n.core!.commitIndex !== leader!.core!.commitIndex) this.fail(`${n.id} did not converge: commit ${n.core!.commitIndex} vs ${leader!.core!.commitIndex}: ${this.describe()}`);
    }
    return { seed: o.seed, leaders: this.leaders, acknowledged: this.acked.length, committedMax: Math.max(0, ...this.committed.keys()), events: this.events };
  }

  #lossless = false;

  // ---- faults

  crash(id: string, downMs: number): void {
    const n = this.node(id);
    if (n.core === null) return;
    n.core = null;
    this.#loseUnsynced(n);
    this.#pending.delete(id);
    this.#linksBroken(id);
    this.#push({ at: this.now + downMs, seq: 0, kind: 'restart', node: id });
  }

  /** The others' connections to `id` break: they hear it soon (a process that dies closes its sockets). */
  #linksBroken(id: string, maxDelayMs = 20): void {
    for (const other of this.ids) if (other !== id) this.#push({ at: this.now + this.random.range(1, maxDelayMs), seq: 0, kind: 'peerDown', node: other, peer: id });
  }

  wipe(id: string, downMs: number): void {
    const n = this.node(id);
    n.core = null;
    this.#loseUnsynced(n);
    n.storage.wipe();
    this.#linksBroken(id);
    n.epoch++;
    n.appliedIndex = 0;
    n.appHash = 0;
    this.#pending.delete(id);
    this.#push({ at: this.now + downMs, seq: 0, kind: 'restart', node: id });
  }

  /** A crash: the writes not yet synced are lost, but for a prefix of them that may have reached the disk. */
  #loseUnsynced(n: Node): void {
    n.incarnation++;
    const writes = n.groups.flatMap((g) => g.writes);
    n.groups = [];
    if (writes.length === 0) return;
    const kept = this.options.tornWrites !== false && this.random.chance(0.5) ? this.random.range(0, writes.length) : 0;
    n.storage.apply(writes.slice(0, kept));
    if (kept < writes.length) this.crashesLosingWrites++;
  }

  #maybeWipe(): void {
    // One wiped replica at a time (more than a minority of lost disks loses data by definition).
    if (this.nodes.some((n) => n.core === null || !n.core.voter)) return;
    // The others must still hold a quorum's worth of intact disks.
    if (this.nodes.length - 1 < Math.floor(this.nodes.length / 2) + 1) return;
    this.wipe(this.random.pick(this.ids), this.random.range(50, 1000));
  }

  partitionRandomly(): void {
    this.heal();
    const shuffled = this.random.shuffle([...this.ids]);
    const cut = this.random.range(1, shuffled.length - 1);
    const a = shuffled.slice(0, cut);
    const b = shuffled.slice(cut);
    for (const x of a) for (const y of b) this.#block(x, y);
  }

  /** A partial partition: one link down, everything else up (each side still reaches the others). */
  cutRandomLink(): void {
    const [a, b] = this.random.shuffle([...this.ids]);
    if (a !== undefined && b !== undefined) this.#block(a, b);
  }

  /** Changes how long `id`'s fsyncs take from now on. */
  setFsync(id: string, ms: readonly [number, number]): void {
    this.node(id).fsyncMs = ms;
  }

  blockPair(a: string, b: string): void {
    this.#block(a, b);
  }

  isolate(id: string): void {
    for (const other of this.ids) if (other !== id) this.#block(id, other);
  }

  heal(): void {
    this.#blocked.clear();
  }

  #block(a: string, b: string): void {
    this.#blocked.add(`${a}|${b}`);
    this.#blocked.add(`${b}|${a}`);
    // Sometimes the connection notices (keepalive, a reset), on both ends, a while later.
    if (this.random.chance(0.5)) {
      this.#push({ at: this.now + this.random.range(1, 300), seq: 0, kind: 'peerDown', node: a, peer: b });
      this.#push({ at: this.now + this.random.range(1, 300), seq: 0, kind: 'peerDown', node: b, peer: a });
    }
  }

  // ---- proposals and snapshots

  /** Proposes `count` entries on `id` if it leads; returns whether it did. */
  propose(id: string, count: number): boolean {
    const n = this.node(id);
    if (n.core === null || n.core.role !== 'leader') return false;
    const data = Array.from({ length: count }, () => enc.encode(`d${this.#nextData++}`));
    const placed = n.core.propose(data, this.now);
    const list = this.#pending.get(id) ?? [];
    list.push(...placed);
    this.#pending.set(id, list);
    this.#process(n, n.core.takeReady());
    return true;
  }

  /** The leader (if any) gives its leadership up; returns its id. */
  resignLeader(): string | undefined {
    const leader = this.nodes.find((n) => n.core?.role === 'leader');
    if (leader === undefined) return undefined;
    this.#process(leader, leader.core!.step({ type: 'resign' }, this.now));
    return leader.id;
  }

  #proposeSomewhere(): void {
    const leader = this.nodes.find((n) => n.core?.role === 'leader');
    if (leader !== undefined) this.propose(leader.id, this.random.range(1, 3));
  }

  #snapshotSomewhere(): void {
    const n = this.random.pick(this.nodes);
    if (n.core === null || n.appliedIndex <= n.core.firstIndex) return;
    n.core.compact(n.appliedIndex, enc.encode(JSON.stringify({ hash: n.appHash })));
    this.#process(n, n.core.takeReady());
  }

  // ---- internals

  #start(n: Node): void {
    const core = new ConsensusCore(
      { id: n.id, replicas: this.ids, random: this.random.fork(), timing: this.options.timing, ...(this.#maxBytes !== undefined ? { maxBytesPerMessage: this.#maxBytes } : {}) },
      n.storage.load(),
      this.now,
    );
    n.core = core;
    // The application restarts from the snapshot; committed entries are replayed as the core learns the commit index.
    const snap = core.snapshotState;
    n.appliedIndex = snap?.index ?? 0;
    n.appHash = snap !== null ? (JSON.parse(new TextDecoder().decode(snap.data)) as { hash: number }).hash : 0;
    this.#check(n, `restart of ${n.id}`);
    this.#process(n, core.takeReady());
    this.#push({ at: this.now + this.random.range(1, this.#tickMs), seq: 0, kind: 'tick', node: n.id });
  }

  #fire(ev: Event): void {
    switch (ev.kind) {
      case 'tick': {
        const n = this.node(ev.node);
        if (n.core === null) return; // a restart schedules a new tick chain
        this.#process(n, n.core.step({ type: 'tick' }, this.now));
        this.#push({ at: this.now + this.#tickMs, seq: 0, kind: 'tick', node: n.id });
        return;
      }
      case 'restart': {
        const n = this.node(ev.node);
        if (n.core === null) this.#start(n);
        return;
      }
      case 'peerDown': {
        const n = this.node(ev.node);
        if (n.core !== null) this.#process(n, n.core.step({ type: 'peerDown', peer: ev.peer }, this.now));
        return;
      }
      case 'synced': {
        const n = this.node(ev.node);
        if (n.core === null || ev.incarnation !== n.incarnation) return;
        const g = n.groups.shift()!;
        this.#synced(n, g);
        this.#startSync(n);
        return;
      }
      case 'deliver': {
        const to = this.node(ev.to);
        const from = this.node(ev.from);
        if (to.core === null || ev.epoch !== from.epoch || this.#blocked.has(`${ev.from}|${ev.to}`)) return;
        this.#process(to, to.core.step({ type: 'message', from: ev.from, message: ev.message }, this.now));
        return;
      }
    }
  }

  #process(n: Node, ready: Ready): void {
    this.#send(n, ready.eager);
    this.#deliverUp(n, ready);
    if (n.fsyncMs[1] === 0 && n.groups.length === 0) {
      // Synchronous disk: durable at once.
      if (ready.writes.length > 0) this.#synced(n, { writes: ready.writes, persist: ready.persist, messages: ready.messages, inFlight: false });
      else this.#send(n, ready.messages);
    } else if (ready.writes.length > 0) {
      const last = n.groups[n.groups.length - 1];
      if (last !== undefined && !last.inFlight) {
        last.writes.push(...ready.writes);
        last.persist = ready.persist;
        last.messages.push(...ready.messages);
      } else {
        n.groups.push({ writes: [...ready.writes], persist: ready.persist, messages: [...ready.messages], inFlight: false });
      }
      this.#startSync(n);
    } else if (n.groups.length > 0) {
      n.groups[n.groups.length - 1]!.messages.push(...ready.messages); // they may depend on writes not yet durable
    } else {
      this.#send(n, ready.messages);
    }
  }

  /** Starts the fsync of the first group unless one is in flight. */
  #startSync(n: Node): void {
    const g = n.groups[0];
    if (g === undefined || g.inFlight) return;
    g.inFlight = true;
    const [min, max] = n.fsyncMs;
    this.#push({ at: this.now + min + this.random.float() * (max - min), seq: 0, kind: 'synced', node: n.id, incarnation: n.incarnation });
  }

  /** A group's writes are durable: tell the core, then send what waited for them. */
  #synced(n: Node, g: SyncGroup): void {
    n.storage.apply(g.writes);
    const core = n.core!;
    if (g.persist !== undefined) {
      this.#process(n, core.step({ type: 'persisted', index: g.persist.index, term: g.persist.term }, this.now));
    }
    this.#send(n, g.messages);
  }

  #send(n: Node, messages: readonly Outgoing[]): void {
    const o = this.options;
    for (const { to, message } of messages) {
      if (message.name === 'log.installSnapshot' && message.body.total !== undefined) this.snapshotChunks++;
      if (message.name === 'log.vote' && message.body.transfer === true) this.transferVotes++;
      if (message.name === 'log.append') this.entriesSent.set(`${n.id}|${to}`, (this.entriesSent.get(`${n.id}|${to}`) ?? 0) + message.body.entries.length);
      if (this.#blocked.has(`${n.id}|${to}`)) continue;
      if (!this.#lossless && this.random.chance(o.loss ?? 0)) continue;
      const copies = !this.#lossless && this.random.chance(o.duplicate ?? 0) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        let at = this.now + this.random.range(1, 10);
        if (!this.#lossless && this.random.chance(o.reorder ?? 0)) at += this.random.range(0, 30);
        this.#push({ at, seq: 0, kind: 'deliver', from: n.id, to, epoch: n.epoch, message });
      }
    }
  }

  /** What the application and the checks see of a Ready (at once: commits do not wait for this replica's disk). */
  #deliverUp(n: Node, ready: Ready): void {
    if (ready.snapshot !== undefined) {
      const s = ready.snapshot;
      const want = this.committed.get(s.index);
      const hash = (JSON.parse(new TextDecoder().decode(s.data)) as { hash: number }).hash;
      if (want !== undefined && (want.term !== s.term || want.hash !== hash)) this.fail(`${n.id} installed a snapshot at ${s.index} (term ${s.term}) that differs from what was committed (term ${want.term})`);
      n.appliedIndex = s.index;
      n.appHash = hash;
    }
    for (const e of ready.committed) this.#apply(n, e);
    if (ready.role !== undefined) {
      const r = ready.role;
      if (r.role === 'leader') {
        const prior = this.leaders.get(r.term);
        if (prior !== undefined && prior !== n.id) this.fail(`two leaders in term ${r.term}: ${prior} and ${n.id}`);
        this.leaders.set(r.term, n.id);
        this.#checkLeaderHasAcked(n);
      }
    }
    this.#check(n, 'step');
    this.#checkLeases();
  }

  /** At any instant at most one leader holds a valid lease. */
  #checkLeases(): void {
    let holder: Node | undefined;
    for (const m of this.nodes) {
      const until = m.core?.leaseExpiresAt(this.now);
      if (until === undefined || until <= this.now) continue;
      if (holder !== undefined) this.fail(`at ${this.now} ms two leaders hold a lease: ${holder.id} (term ${holder.core!.term}) and ${m.id} (term ${m.core!.term})`);
      holder = m;
    }
  }

  #apply(n: Node, e: Entry): void {
    if (e.index !== n.appliedIndex + 1) this.fail(`${n.id} applied ${e.index} after ${n.appliedIndex}`);
    n.appliedIndex = e.index;
    n.appHash = crc32(e.data ?? new Uint8Array([0]), n.appHash);
    const prior = this.committed.get(e.index);
    if (prior === undefined) this.committed.set(e.index, { term: e.term, hash: n.appHash });
    else if (prior.term !== e.term || prior.hash !== n.appHash) this.fail(`committed entry ${e.index} diverges: ${n.id} has term ${e.term}, it was committed with term ${prior.term}`);
    const pending = this.#pending.get(n.id);
    if (pending !== undefined) {
      // Proposals at this index from older terms were overwritten; the one of this entry's term is acknowledged.
      if (pending.some((p) => p.index === e.index && p.term === e.term)) {
        this.acked.push({ index: e.index, term: e.term, at: this.now });
        if (n.core!.durableIndex < e.index) this.ackedBeforeLeaderSync++;
      }
      this.#pending.set(n.id, pending.filter((p) => p.index > e.index));
    }
  }

  #checkLeaderHasAcked(n: Node): void {
    const core = n.core!;
    for (const a of this.acked) {
      if (a.index < core.firstIndex) continue; // covered by its snapshot, checked against `committed`
      const t = core.termAt(a.index);
      if (t !== a.term) this.fail(`leader ${n.id} of term ${core.term} lacks acknowledged entry ${a.index} (term ${a.term}); it has term ${t}`);
    }
  }

  #check(n: Node, what: string): void {
    const core = n.core!;
    // The log's committed prefix never diverges from what was committed anywhere.
    const snap = core.snapshotState;
    if (snap !== null) {
      const c = this.committed.get(snap.index);
      if (c !== undefined && c.term !== snap.term) this.fail(`${what}: ${n.id}'s snapshot at ${snap.index} has term ${snap.term}, committed term is ${c.term}`);
    }
  }

  fail(message: string): never {
    throw new Error(`seed ${this.options.seed}: ${message}\n  replay: LOG_SIM_SEED=${this.options.seed} npm test -- master/log/test/sim.test.ts`);
  }

  describe(): string {
    return this.nodes
      .map((n) => (n.core === null ? `${n.id}:down` : `${n.id}:${n.core.role}@${n.core.term}${n.core.voter ? '' : '(non-voter)'} commit ${n.core.commitIndex} last ${n.core.lastIndex}`))
      .join(', ');
  }

  #push(ev: Event): void {
    ev.seq = this.#seq++;
    const q = this.#queue;
    q.push(ev);
    let i = q.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(q[p]!, q[i]!)) break;
      [q[p], q[i]] = [q[i]!, q[p]!];
      i = p;
    }
  }

  #pop(): Event {
    const q = this.#queue;
    const top = q[0]!;
    const last = q.pop()!;
    if (q.length > 0) {
      q[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < q.length && less(q[l]!, q[m]!)) m = l;
        if (r < q.length && less(q[r]!, q[m]!)) m = r;
        if (m === i) break;
        [q[m], q[i]] = [q[i]!, q[m]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
