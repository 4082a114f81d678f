/**
 * A process paused while the world goes on (a long GC pause, SIGSTOP, a VM
 * stopped by its hypervisor): nothing of the node happens while it is
 * paused, then it resumes where it was, believing what it believed. Its
 * connections stay open (the kernel keeps them), so what peers send it
 * waits, and it is read only after the resume, after its own timers (a host
 * runs the timers that came due before it reads its sockets), one connection
 * after another in a drawn order (every socket is readable at once; each
 * keeps its own order), not in the order the world sent it.
 *
 *   VirtualClock ──► PausableClock (one per node runtime) ──► the runtime's timers
 *                        │ paused: a due timer waits in `held`
 *   SimulatedNetwork ──► PausableTransport ──► the runtime's mailboxes
 *                        │ paused: deliveries, broken and opened links wait in `held`;
 *                        │ what the node sends waits too
 *                        ▼
 *                     resume(): due timers, held output, then held input (one connection at a time)
 *
 * Nothing here changes a run that is never paused: each timer is still one
 * timer of the shared clock, at the same instant, in the same order.
 */
import { MemoryTransport, type Clock, type Envelope, type Random, type Timer } from 'libprocess-ts';
import type { BusyProbe, VirtualClock } from 'libprocess-ts/testing';

/** The runtime's clock for one node: the shared virtual clock, with the node's timers frozen while it is paused. */
export class PausableClock implements Clock {
  #paused = false;
  #dead = false;
  #held: (() => void)[] = [];

  constructor(readonly base: VirtualClock) {}

  now(): number {
    return this.base.now();
  }

  timer(ms: number, fn: () => void): Timer {
    let cancelled = false;
    const t = this.base.timer(ms, () => {
      if (this.#dead) return;
      if (this.#paused) this.#held.push(() => cancelled || fn());
      else fn();
    });
    return {
      cancel: () => {
        cancelled = true;
        t.cancel();
      },
    };
  }

  /**
   * Runs `fn` in the node's process now, or at the resume when it is paused (in turn with the timers that came due
   * meanwhile), or never once it is killed: what the machine tells the process (a child's exit, a launch done).
   */
  run(fn: () => void): void {
    if (this.#dead) return;
    if (this.#paused) this.#held.push(fn);
    else fn();
  }

  /** A runtime registers its busy probe with the shared clock (so `settle` waits for it), and pokes it. */
  register(probe: BusyProbe, pokes = false): () => void {
    return this.base.register(probe, pokes);
  }

  poke(probe: BusyProbe): void {
    this.base.poke(probe);
  }

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    this.#paused = true;
  }

  /** Runs the timers that came due while paused, in the order they came due. */
  resume(): void {
    this.#paused = false;
    const held = this.#held;
    this.#held = [];
    for (const fn of held) fn();
  }

  /** The process is gone (a crash): what waited, and any timer of it, never runs. */
  discard(): void {
    this.#dead = true;
    this.#paused = false;
    this.#held = [];
  }
}

type Held = { readonly kind: 'in'; readonly peer: string; readonly run: () => void } | { readonly kind: 'out'; readonly peer: string; readonly message: Envelope } | { readonly kind: 'connect'; readonly peer: string };

/** A node's transport on the simulated network that a pause freezes (input and output wait; links stay up). */
export class PausableTransport extends MemoryTransport {
  #paused = false;
  #held: Held[] = [];

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    this.#paused = true;
  }

  /**
   * Sends what the node said while paused, then hands it what arrived meanwhile, connection by connection in an
   * order drawn from `random` (each connection's own input in order), each read after the node has handled the
   * one before (a microtask later, after the runtime's drain), as an event loop reads one ready socket per callback.
   */
  resume(random: Random): void {
    this.#paused = false;
    const held = this.#held;
    this.#held = [];
    const input = new Map<string, (() => void)[]>();
    for (const h of held) {
      if (h.kind === 'out') super.send(h.peer, h.message);
      else if (h.kind === 'connect') super.connect(h.peer);
      else {
        let q = input.get(h.peer);
        if (q === undefined) input.set(h.peer, (q = []));
        q.push(h.run);
      }
    }
    const order = random.shuffle([...input.keys()]);
    const read = (i: number): void => {
      if (i >= order.length) return;
      for (const run of input.get(order[i]!)!) run();
      queueMicrotask(() => read(i + 1));
    };
    queueMicrotask(() => read(0));
  }

  override async stop(): Promise<void> {
    this.#paused = false;
    this.#held = [];
    await super.stop();
  }

  override send(peer: string, message: Envelope): void {
    if (this.#paused) this.#held.push({ kind: 'out', peer, message });
    else super.send(peer, message);
  }

  override connect(peer: string): void {
    if (this.#paused) this.#held.push({ kind: 'connect', peer });
    else super.connect(peer);
  }

  override _deliver(messages: Envelope[], from: string): void {
    if (this.#paused) this.#held.push({ kind: 'in', peer: from, run: () => this.received(messages, from) });
    else this.received(messages, from);
  }

  override _peerDown(peer: string): void {
    if (this.#paused) this.#held.push({ kind: 'in', peer, run: () => super._peerDown(peer) });
    else super._peerDown(peer);
  }

  override _connected(peer: string, principal: string | undefined): void {
    if (this.#paused) this.#held.push({ kind: 'in', peer, run: () => super._connected(peer, principal) });
    else super._connected(peer, principal);
  }

  /** Messages the node reads (a subclass may change them first: sim/mutations.ts). */
  protected received(messages: Envelope[], from: string): void {
    super._deliver(messages, from);
  }
}

/** Pauses and resumes one incarnation of a node (its runtime's clock and transport together). */
export class NodePause {
  constructor(
    readonly clock: PausableClock,
    readonly transport: PausableTransport,
  ) {}

  get paused(): boolean {
    return this.clock.paused;
  }

  pause(): void {
    this.clock.pause();
    this.transport.pause();
  }

  /** `random` draws the order in which the node reads its connections. */
  resume(random: Random): void {
    if (!this.clock.paused) return;
    this.clock.resume();
    this.transport.resume(random);
  }
}
