import { Call } from './call.js';
import type { Clock, Timer } from './clock.js';
import { LibprocessError } from './errors.js';
import { filterDispatch, filterMessage, filtersState } from './filters.js';
import { HttpRouter } from './http-router.js';
import type { HttpRequest, HttpResponse } from './http-types.js';
import { createLogger, LogVerbosity, type Logger } from './logging.js';
import { MailboxBudget, type PeerAccount } from './peer-limits.js';
import { microtask } from './microtask.js';
import type { Envelope } from './message.js';
import { PID, addressOf, idOf } from './pid.js';
import { attachContext, type Process } from './process.js';
import type { Protocol } from './protocol.js';
import { realClock } from './real-clock.js';
import type { BadInputKind, Transport, TransportEvents } from './transport.js';
import type { VirtualClock } from './virtual-clock.js';
import { Slot, type RuntimeCounters, type RuntimeOptions } from './runtime-parts.js';

export type { RuntimeCounters, RuntimeOptions } from './runtime-parts.js';

/** Events served per turn of the event loop before yielding to I/O. */
const DRAIN_BUDGET = 50_000;
/** Events served from one process before moving to the next (fairness). */
const SLICE = 256;
/**
 * Sender PIDs kept parsed (cleared when full). Above the number of peers' processes that talk to one runtime:
 * a master of 50,000 agents cleared a cache of 10,000 every few frames and parsed almost every sender again
 * (4% of its CPU). A PID and its entry are about 250 bytes.
 */
const PID_CACHE_LIMIT = 100_000;

/**
 * Drains and handlers on the stack, over every runtime of this OS process. A remote message is handled as it
 * arrives only when this is 0: no handler of any runtime is then running, so none runs inside another (a transport
 * that delivers synchronously, a virtual clock advanced from a handler) and none re-enters its own process.
 */
let onStack = 0;

/**
 * Hosts processes: gives them PIDs, routes messages between them (directly
 * when local, through the transport when remote), runs their events one at a
 * time, and serves their HTTP routes. One runtime per listening address.
 */
export class Runtime {
  readonly clock: Clock;
  readonly name: string;
  readonly http: HttpRouter;
  readonly logger: Logger;
  /** The verbosity of this runtime's logs (see RuntimeOptions.logging). */
  readonly logging: LogVerbosity;
  readonly #transport: Transport;
  readonly #capacity: number;
  readonly #maxDrainMs: number | undefined;
  readonly #slots = new Map<string, Slot>();
  readonly #runQueue: Slot[] = [];
  #runHead = 0;
  #drainPending = false;
  #draining = false;
  /**
   * Events served since this runtime last yielded to I/O: messages handled as they arrived, then the drain after
   * them, share one budget (DRAIN_BUDGET events, and `maxDrainMs` from `#turnStart`), as when every message went
   * through a mailbox. Reset by the drain and by the check phase of the event loop (`#endTurn`).
   */
  #turnServed = 0;
  #turnStart = 0;
  #turnEndPending = false;
  #address = '';
  #host = '';
  #port = 0;
  #started = false;
  #stopped = false;
  #nextId = new Map<string, number>();
  /** peer address -> remote PID text -> local slots linked to it. */
  readonly #remoteLinks = new Map<string, Map<string, Set<Slot>>>();
  readonly #pidCache = new Map<string, PID>();
  readonly #counters: RuntimeCounters = {
    processes: 0,
    messages_sent_local: 0,
    messages_sent_remote: 0,
    messages_received_remote: 0,
    messages_handled: 0,
    events_handled: 0,
    dropped_by_filter: 0,
    refused_mailbox_full: 0,
    unknown_message: 0,
    no_such_process: 0,
    bad_frame: 0,
    oversized_frame: 0,
    auth_failure: 0,
    hijack_refused: 0,
    handler_errors: 0,
    spoofed_sender: 0,
    local_only: 0,
    refused_peer_budget: 0,
  };
  readonly #budget: MailboxBudget;
  /** Peer address -> the principal its current connection authenticated as. */
  readonly #principals = new Map<string, string>();
  readonly #logBudget = new Map<string, number>();
  #unregisterProbe: (() => void) | undefined;
  /** Tells a virtual clock that this runtime has work (its busy probe is then worth asking). */
  #poke: () => void = () => {};
  readonly #drainBound = () => this.#drain();
  readonly #endTurn = (): void => {
    this.#turnEndPending = false;
    this.#turnServed = 0;
  };

  constructor(options: RuntimeOptions) {
    this.#transport = options.transport;
    this.clock = options.clock ?? realClock;
    this.name = options.name ?? 'runtime';
    this.#capacity = options.mailboxCapacity ?? 1_000_000;
    this.#budget = new MailboxBudget(options.maxMailboxBytesPerPeer);
    const virtual = typeof (this.clock as Partial<VirtualClock>).register === 'function';
    if (options.maxDrainMs !== undefined && !(options.maxDrainMs > 0)) throw new LibprocessError('E_ARGUMENT', `maxDrainMs must be a positive number of ms, got ${String(options.maxDrainMs)}`);
    this.#maxDrainMs = virtual ? undefined : options.maxDrainMs;
    this.logging = options.logging ?? new LogVerbosity();
    this.logger = options.logger ?? createLogger(this.name, this.logging);
    this.http = new HttpRouter((ownerId, run) => this.#runRoute(ownerId, run));
    const maybeVirtual = this.clock as Partial<VirtualClock>;
    if (typeof maybeVirtual.register === 'function') {
      const pokes = typeof maybeVirtual.poke === 'function';
      const probe = (): boolean => this.#busy();
      this.#unregisterProbe = maybeVirtual.register(probe, pokes);
      if (pokes) this.#poke = () => maybeVirtual.poke!(probe);
    }
  }

  /** Starts the transport; PIDs of this runtime end in the address it reports. */
  async start(): Promise<this> {
    if (this.#started) throw new LibprocessError('E_STATE', `runtime ${this.name} already started`);
    this.#started = true;
    const events: TransportEvents = {
      deliver: (messages, peer, bytes) => this.#deliverRemote(messages, peer, bytes),
      peerDown: (peer) => this.#peerDown(peer),
      connected: (peer, principal) => {
        if (principal === undefined) this.#principals.delete(peer);
        else this.#principals.set(peer, principal);
      },
      badInput: (kind, peer, detail) => this.#badInput(kind, peer, detail),
      http: (request) => this.handleHttp(request),
    };
    const address = await this.#transport.start(events);
    this.#host = address.host;
    this.#port = address.port;
    this.#address = `${address.host}:${address.port}`;
    return this;
  }

  /** `stop()` was called: nothing can be spawned any more. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** `host:port` this runtime is reachable at. */
  get address(): string {
    this.#requireStarted();
    return this.#address;
  }

  /** This runtime's principal (undefined when its connections are not authenticated). */
  get principal(): string | undefined {
    return this.#transport.principal;
  }

  /**
   * The principal a message's sender authenticated as: this runtime's own for
   * a local sender, the principal of the connection a remote sender's
   * messages arrive on, undefined for an unauthenticated one.
   */
  principalOf(pid: PID<any> | string): string | undefined {
    const address = addressOf(pid.toString());
    if (address === this.#address) return this.#transport.principal;
    return this.#principals.get(address);
  }

  /** Spawns a process and returns its PID. `id` defaults to `<classname>(<n>)`. */
  spawn<P extends Protocol>(process: Process<P>, id?: string): PID<P> {
    this.#requireStarted();
    if (this.#stopped) throw new LibprocessError('E_STATE', `runtime ${this.name} is stopped`);
    const chosen = id ?? this.#defaultId(process);
    if (this.#slots.has(chosen)) throw new LibprocessError('E_DUPLICATE_PID', `a process with id ${JSON.stringify(chosen)} already runs in ${this.name}`);
    const pid = new PID<P>(chosen, this.#host, this.#port);
    const slot = new Slot(process, pid, this, this.#capacity);
    this.#slots.set(chosen, slot);
    this.#counters.processes++;
    attachContext(process, slot);
    slot.handlers = process._handlers() as unknown as Slot['handlers'];
    const local = process._localOnly();
    slot.localOnly = local === true ? true : local === false || local.length === 0 ? false : new Set(local);
    this.#initialize(slot);
    return pid;
  }

  /** Whether a process of this runtime with that PID is alive. */
  /**
   * What waits in a process's mailbox now, by kind (Mesos's
   * `<process>/event_queue_messages`, `_dispatches`, `_http_requests`):
   * messages, dispatches (`defer`, `delay`, `call`) and HTTP requests to its routes.
   * All zero for a process that is not here.
   */
  queued(pid: PID<any> | string): { messages: number; dispatches: number; httpRequests: number } {
    const slot = this.#slots.get(idOf(pid.toString()));
    if (slot === undefined) return { messages: 0, dispatches: 0, httpRequests: 0 };
    const { messages, calls, http } = slot.mailbox.census((call) => call.http);
    return { messages, dispatches: calls - http, httpRequests: http };
  }

  isAlive(pid: PID<any> | string): boolean {
    const text = pid.toString();
    const slot = this.#slots.get(idOf(text));
    return slot !== undefined && slot.alive && slot.pidText === text;
  }

  /** Terminates a process: its queued events are dropped, `finalize` runs, linked processes get `exited`. */
  terminate(pid: PID<any> | string): void {
    const slot = this.#slots.get(idOf(pid.toString()));
    if (slot !== undefined) this.#terminate(slot);
  }

  /** Resolves once the process has terminated (at once if it is not running here). */
  wait(pid: PID<any> | string): Promise<void> {
    const slot = this.#slots.get(idOf(pid.toString()));
    if (slot === undefined || !slot.alive) return Promise.resolve();
    return new Promise((resolve) => slot.waiters.push(resolve));
  }

  /** Sends a message from outside any process (e.g. plain code, or a test) with `from` as the sender. */
  post(from: PID<any> | string, to: PID<any> | string, name: string, body: unknown): void {
    const toText = to.toString();
    const address = addressOf(toText);
    if (address === this.#address) {
      this.#counters.messages_sent_local++;
      this.#deliverLocal(this.#slots.get(idOf(toText)), toText, name, body, from instanceof PID ? from : this.#pid(from), '', undefined, 0);
    } else {
      this.#counters.messages_sent_remote++;
      this.#transport.send(address, { from: from.toString(), to: toText, name, body });
    }
  }

  /**
   * Calls `method` of a process of this runtime inside that process, as an
   * event in its mailbox; resolves with what it returns (awaited).
   * Rejects with E_NO_SUCH_PROCESS, E_MAILBOX_FULL or E_TERMINATED.
   */
  dispatch<T extends Process<any>, K extends MethodOf<T>>(
    target: T | PID<any>,
    method: K,
    ...args: ArgsOf<T[K]>
  ): Promise<Awaited<ResultOf<T[K]>>> {
    const slot = this.#slotOf(target);
    const label = `${target instanceof PID ? target.toString() : 'process'}.${String(method)}`;
    if (slot === undefined) return Promise.reject(new LibprocessError('E_NO_SUCH_PROCESS', `dispatch ${label}: no such process in ${this.name}`));
    if (filtersState.active) filterDispatch(slot.pidText, method);
    return new Promise((resolve, reject) => {
      const call = new Call(
        () => {
          const fn = (slot.process as unknown as Record<string, unknown>)[method];
          if (typeof fn !== 'function') {
            reject(new LibprocessError('E_NO_SUCH_METHOD', `dispatch ${label}: not a method`));
            return;
          }
          let result: unknown;
          try {
            result = fn.apply(slot.process, args);
          } catch (err) {
            reject(err);
            return;
          }
          Promise.resolve(result).then(resolve as (v: unknown) => void, reject);
        },
        () => reject(new LibprocessError('E_TERMINATED', `dispatch ${slot.pidText}.${method}: the process terminated first`)),
      );
      if (!this.#enqueueCall(slot, call)) reject(new LibprocessError('E_MAILBOX_FULL', `dispatch ${slot.pidText}.${method}: mailbox full`));
    });
  }

  /** Serves an HTTP request through the routes of this runtime's processes (transports call this; tests may too). */
  handleHttp(request: HttpRequest): Promise<HttpResponse> {
    return this.http.handle(request);
  }

  /** Counters of the runtime and its transport. */
  metrics(): Record<string, number> {
    let queued = 0;
    for (const slot of this.#slots.values()) queued += slot.mailbox.size;
    return { ...this.#counters, processes: this.#slots.size, events_queued: queued, ...prefixed('transport/', this.#transport.metrics()) };
  }

  /** PIDs of the processes running here. */
  processes(): PID[] {
    return [...this.#slots.values()].map((s) => s.pid);
  }

  /** Terminates every process (newest first), then stops the transport. Leaves no timer or socket behind. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const slot of [...this.#slots.values()].reverse()) this.#terminate(slot);
    if (this.#started) await this.#transport.stop();
    this.#remoteLinks.clear();
    this.#unregisterProbe?.();
  }

  // ---- used by Process (internal) ----

  /** @internal */
  _send(from: PID, to: PID<any>, name: string, body: unknown): void {
    const address = to.address;
    if (address === this.#address) {
      this.#counters.messages_sent_local++;
      this.#deliverLocal(this.#slots.get(to.id), to.toString(), name, body, from, '', undefined, 0);
    } else {
      this.#counters.messages_sent_remote++;
      this.#transport.send(address, { from: from.toString(), to: to.toString(), name, body });
    }
  }

  /** @internal */
  _link(from: PID, to: PID<any>): void {
    const watcher = this.#slots.get(from.id);
    if (watcher === undefined || !watcher.alive) return;
    if (to.address === this.#address) {
      const target = this.#slots.get(to.id);
      if (target === undefined || !target.alive || target.pidText !== to.toString()) this.#notifyExited(watcher, to);
      else target.watchers.add(watcher);
      return;
    }
    let byPid = this.#remoteLinks.get(to.address);
    if (byPid === undefined) this.#remoteLinks.set(to.address, (byPid = new Map()));
    let watchers = byPid.get(to.toString());
    if (watchers === undefined) byPid.set(to.toString(), (watchers = new Set()));
    watchers.add(watcher);
    this.#transport.connect(to.address);
  }

  /** @internal Runs `fn` inside the process as a new event (defer). */
  _call(pid: PID, fn: () => void): void {
    const slot = this.#slots.get(pid.id);
    if (slot !== undefined && slot.alive) this.#enqueueCall(slot, new Call(fn));
  }

  /** @internal */
  _delay(pid: PID, ms: number, fn: () => void): Timer {
    const slot = this.#slots.get(pid.id);
    if (slot === undefined || !slot.alive) return { cancel: () => {} };
    const timer = this.clock.timer(ms, () => {
      slot.timers.delete(timer);
      if (slot.alive) this.#enqueueCall(slot, new Call(fn));
    });
    slot.timers.add(timer);
    return {
      cancel: () => {
        timer.cancel();
        slot.timers.delete(timer);
      },
    };
  }

  // ---- delivery ----

  /**
   * Messages from the runtime at `peer`: each `from` must be a process at
   * that address (the connection is the sender's proof of address, and with
   * authentication of principal); anything else is dropped and counted.
   */
  #deliverRemote(messages: readonly Envelope[], peer: string, bytes?: number): void {
    this.#counters.messages_received_remote += messages.length;
    if (peer === this.#address) {
      // No transport delivers from our own address; were one to, its senders would pass for local ones.
      this.#counters.spoofed_sender += messages.length;
      this.#warnLimited('spoofed_sender', `dropped ${messages.length} message(s) arriving over a connection that claims this runtime's own address`);
      return;
    }
    const share = bytes !== undefined && bytes > 0 && this.#budget.max !== Infinity ? Math.ceil(bytes / messages.length) : 0;
    const account = share > 0 ? this.#budget.account(peer) : undefined;
    const suffix = `@${peer}`;
    // A batch mostly repeats its sender and its receiver: check each distinct sender and look each receiver up once.
    let checked = '';
    let sender: PID | undefined;
    let to = '';
    let slot: Slot | undefined;
    for (let i = 0; i < messages.length; i++) {
      const envelope = messages[i]!;
      if (envelope.from !== checked || sender === undefined) {
        const from = envelope.from;
        if (!from.endsWith(suffix) || from.indexOf('@') !== from.length - suffix.length) {
          this.#counters.spoofed_sender++;
          this.#warnLimited('spoofed_sender', `dropped '${envelope.name}' for ${envelope.to} claiming to be from ${from}: it arrived from the runtime at ${peer}`);
          continue;
        }
        checked = from;
        sender = this.#pid(from);
      }
      if (envelope.to !== to || i === 0) {
        to = envelope.to;
        slot = this.#slots.get(idOf(to));
      }
      if (filtersState.active && this.#filtered(envelope)) continue;
      if (slot !== undefined && this.#idle(slot) && this.#turnLeft()) {
        // Nothing runs and nothing of this process waits: run the handler now, without a trip through the mailbox.
        this.#serveNow(slot, envelope.name, envelope.body, sender, peer);
      } else if (account === undefined) {
        this.#deliverLocal(slot, to, envelope.name, envelope.body, sender, peer, undefined, 0);
      } else if (this.#budget.charge(account, share)) {
        this.#deliverLocal(slot, to, envelope.name, envelope.body, sender, peer, account, share);
      } else {
        this.#counters.refused_peer_budget++;
        this.#warnLimited('peer_budget', `peer ${peer} has ${this.#budget.queued(peer)} bytes of messages waiting (the limit is ${this.#budget.max}); dropped '${envelope.name}' from ${envelope.from}`);
      }
    }
  }

  /**
   * Whether a message for `slot` may be handled at once, as it arrives: no
   * handler is running (none of any runtime's, `onStack`: one event at a time,
   * no re-entry, no handler inside another), the process is ready, and its
   * mailbox is empty and not on the run queue, so nothing it was sent before
   * waits (per-sender FIFO holds).
   */
  #idle(slot: Slot): boolean {
    return onStack === 0 && slot.ready && slot.alive && !slot.scheduled && slot.mailbox.size === 0;
  }

  /** Whether this turn's budget (events, and time with `maxDrainMs`) has room for one more event served at once. */
  #turnLeft(): boolean {
    if (this.#turnServed >= DRAIN_BUDGET) return false;
    return this.#maxDrainMs === undefined || this.#turnServed === 0 || performance.now() - this.#turnStart < this.#maxDrainMs;
  }

  /**
   * A remote message handled as it arrives (`#idle(slot)` holds): the same
   * check as on the way into a mailbox (`#localOnlyRefused`), then the handler. It never waits, so it is not
   * charged to its peer's budget.
   */
  #serveNow(slot: Slot, name: string, body: unknown, sender: PID, peer: string): void {
    if (this.#localOnlyRefused(slot, name, sender, peer)) return;
    this.#counters.events_handled++;
    if (this.#turnServed++ === 0) {
      if (this.#maxDrainMs !== undefined) this.#turnStart = performance.now();
      if (!this.#turnEndPending) {
        this.#turnEndPending = true;
        setImmediate(this.#endTurn);
      }
    }
    onStack++;
    try {
      this.#handle(slot, name, body, sender);
    } finally {
      onStack--;
    }
  }

  /** A test filter (filters.ts) takes the message: counted, not delivered. */
  #filtered(envelope: Envelope): boolean {
    if (!filterMessage(envelope)) return false;
    this.#counters.dropped_by_filter++;
    return true;
  }

  /** A message leaves its mailbox (handled, dropped or refused): its peer's budget gets its bytes back. */
  #release(account: PeerAccount | undefined, bytes: number): void {
    if (account !== undefined) this.#budget.release(account, bytes);
  }

  /** A remote message for a process (or a message name) that accepts only local senders: counted and warned of. */
  #localOnlyRefused(slot: Slot, name: string, sender: PID, peer: string): boolean {
    if (slot.localOnly === false || (slot.localOnly !== true && !slot.localOnly.has(name))) return false;
    this.#counters.local_only++;
    this.#warnLimited('local_only', `dropped '${name}' from ${sender.toString()} (peer ${peer}): ${slot.pidText} accepts it only from its own runtime`);
    return true;
  }

  /**
   * The one point every message passes on its way into a mailbox: `slot` is
   * the process `to` names here (if any), `peer` the runtime it came from
   * ('' for a local sender), `account` and `bytes` what it is charged
   * against that peer's budget until it leaves the mailbox.
   */
  #deliverLocal(slot: Slot | undefined, to: string, name: string, body: unknown, sender: PID, peer: string, account: PeerAccount | undefined, bytes: number): void {
    if (peer === '' && filtersState.active && this.#filtered({ from: sender.toString(), to, name, body })) return;
    if (slot === undefined || !slot.alive) {
      this.#release(account, bytes);
      this.#counters.no_such_process++;
      this.#warnLimited('no_such_process', `dropped '${name}' from ${sender.toString()}${peer ? ` (peer ${peer})` : ''}: no process ${to} here`);
      return;
    }
    if (peer !== '' && this.#localOnlyRefused(slot, name, sender, peer)) {
      this.#release(account, bytes);
      return;
    }
    if (!slot.mailbox.pushMessage(name, body, sender, account, bytes)) {
      this.#counters.refused_mailbox_full++;
      this.#release(account, bytes);
      this.#warnLimited('mailbox_full', `mailbox of ${slot.pidText} is full (${slot.mailbox.capacity}); refused '${name}' from ${sender.toString()}`);
      return;
    }
    this.#schedule(slot);
  }

  #enqueueCall(slot: Slot, call: Call): boolean {
    if (!slot.mailbox.pushCall(call)) {
      this.#counters.refused_mailbox_full++;
      return false;
    }
    this.#schedule(slot);
    return true;
  }

  /** `slot` has work: put it on the run queue, and make sure a drain is coming. */
  #schedule(slot: Slot): void {
    if (slot.scheduled || !slot.ready) return;
    slot.scheduled = true;
    this.#runQueue.push(slot);
    if (!this.#drainPending && !this.#draining) {
      this.#drainPending = true;
      this.#poke();
      microtask(this.#drainBound);
    }
  }

  #drain(): void {
    this.#drainPending = false;
    if (this.#draining) return;
    this.#draining = true;
    onStack++;
    // What messages handled at once spent of this turn is not spent again.
    let budget = DRAIN_BUDGET - this.#turnServed;
    const queue = this.#runQueue;
    const until = this.#maxDrainMs === undefined ? undefined : (this.#turnServed > 0 ? this.#turnStart : performance.now()) + this.#maxDrainMs;
    try {
      while (this.#runHead < queue.length && budget > 0) {
        const slot = queue[this.#runHead++]!;
        slot.scheduled = false;
        let n = 0;
        while (n < SLICE && slot.alive && slot.ready) {
          if (until !== undefined && n > 0 && performance.now() >= until) {
            budget = 0; // out of time: the rest after I/O and timers
            break;
          }
          if (!slot.mailbox.shift()) break;
          n++;
          this.#serve(slot);
        }
        budget -= n;
        if (slot.alive && slot.ready && slot.mailbox.size > 0 && !slot.scheduled) {
          slot.scheduled = true;
          queue.push(slot);
        }
        if (this.#runHead > 1024 && this.#runHead * 2 > queue.length) {
          queue.splice(0, this.#runHead);
          this.#runHead = 0;
        }
      }
    } finally {
      this.#draining = false;
      onStack--;
      this.#turnServed = 0;
    }
    if (this.#runHead >= queue.length) {
      queue.length = 0;
      this.#runHead = 0;
    } else if (!this.#drainPending) {
      // Out of budget: let I/O in before continuing.
      this.#drainPending = true;
      this.#poke();
      setImmediate(this.#drainBound);
    }
  }

  /** Runs the event `slot.mailbox.shift()` just loaded. */
  #serve(slot: Slot): void {
    this.#counters.events_handled++;
    const box = slot.mailbox;
    const name = box.headName;
    const body = box.headBody;
    box.headBody = undefined;
    if (name === undefined) {
      try {
        (body as Call).run();
      } catch (err) {
        this.#handlerError(slot, 'an event', err);
      }
      return;
    }
    const sender = box.headSender!;
    box.headSender = undefined;
    if (box.headAccount !== undefined) {
      this.#budget.release(box.headAccount, box.headBytes);
      box.headAccount = undefined;
    }
    this.#handle(slot, name, body, sender);
  }

  /** Runs the handler of message `name` (a message's event, from the mailbox or as it arrives). */
  #handle(slot: Slot, name: string, body: unknown, sender: PID): void {
    const handler = slot.handlers[name];
    if (handler === undefined) {
      this.#counters.unknown_message++;
      this.#warnLimited('unknown_message', `${slot.pidText} has no handler for '${name}' (from ${sender.toString()}); dropped`);
      return;
    }
    this.#counters.messages_handled++;
    slot.sender = sender;
    try {
      handler(body, sender);
    } catch (err) {
      this.#handlerError(slot, `'${name}' from ${sender.toString()}`, err);
    } finally {
      slot.sender = undefined;
    }
  }

  /**
   * A handler that throws is a bug in that process, not in its peers: the
   * error is logged and counted, and the process goes on with its next event
   * (terminating it would turn one bad input into an outage).
   */
  #handlerError(slot: Slot, what: string, err: unknown): void {
    this.#counters.handler_errors++;
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.logger.error(`${slot.pidText} failed handling ${what}: ${detail}`);
  }

  #pid(text: string): PID {
    let pid = this.#pidCache.get(text);
    if (pid === undefined) {
      // A decoded string of 13 characters or more is a V8 slice of its frame's whole text: the cache (and the
      // PID's own id and host, slices of it) keep a copy of their own, not every frame a sender ever came in.
      const own = text.length < 13 ? text : Buffer.from(text, 'utf8').toString('utf8');
      try {
        pid = PID.parse(own);
      } catch {
        // A malformed sender still gets a PID so handlers can run; replies to it go nowhere.
        pid = new PID('invalid-sender', '0.0.0.0', 0);
      }
      if (this.#pidCache.size >= PID_CACHE_LIMIT) this.#pidCache.clear();
      this.#pidCache.set(own, pid);
    }
    return pid;
  }

  // ---- lifecycle ----

  #initialize(slot: Slot): void {
    const started = (): void => {
      if (!slot.alive) return;
      slot.ready = true;
      if (slot.mailbox.size > 0) this.#schedule(slot);
    };
    const failed = (err: unknown): void => {
      this.#handlerError(slot, 'initialize', err);
      this.#terminate(slot);
    };
    let result: void | Promise<void>;
    try {
      result = slot.process.initialize();
    } catch (err) {
      failed(err);
      return;
    }
    // A pending initialize waits on something outside the runtime (I/O, a timer): not busy.
    if (result instanceof Promise) result.then(started, failed);
    else started();
  }

  #terminate(slot: Slot): void {
    if (!slot.alive) return;
    slot.alive = false;
    for (const timer of slot.timers) timer.cancel();
    slot.timers.clear();
    const box = slot.mailbox;
    while (box.shift()) {
      if (box.headName === undefined) (box.headBody as Call).drop();
      else this.#release(box.headAccount, box.headBytes);
    }
    try {
      slot.process.finalize();
    } catch (err) {
      this.#handlerError(slot, 'finalize', err);
    }
    this.http.removeOwner(slot.pid.id);
    if (this.#slots.get(slot.pid.id) === slot) this.#slots.delete(slot.pid.id);
    for (const watcher of slot.watchers) this.#notifyExited(watcher, slot.pid);
    slot.watchers.clear();
    for (const byPid of this.#remoteLinks.values()) for (const watchers of byPid.values()) watchers.delete(slot);
    for (const other of this.#slots.values()) other.watchers.delete(slot);
    for (const resolve of slot.waiters.splice(0)) resolve();
  }

  #notifyExited(watcher: Slot, pid: PID): void {
    if (watcher.alive) this.#enqueueCall(watcher, new Call(() => watcher.process.exited(pid)));
  }

  #peerDown(peer: string): void {
    const byPid = this.#remoteLinks.get(peer);
    if (byPid === undefined) return;
    this.#remoteLinks.delete(peer);
    for (const [text, watchers] of byPid) {
      const pid = this.#pid(text);
      for (const watcher of watchers) this.#notifyExited(watcher, pid);
    }
  }

  #badInput(kind: BadInputKind, peer: string, detail: string): void {
    this.#counters[kind]++;
    this.#warnLimited(kind, `bad input from ${peer}: ${kind}: ${detail}`);
  }

  #runRoute(ownerId: string, run: () => HttpResponse | Promise<HttpResponse>): Promise<HttpResponse> {
    const slot = this.#slots.get(ownerId);
    const unavailable: HttpResponse = { status: 503, body: `Process ${ownerId} is not running\n` };
    if (slot === undefined || !slot.alive) return Promise.resolve(unavailable);
    return new Promise((resolve, reject) => {
      const call = new Call(
        () => {
          try {
            Promise.resolve(run()).then(resolve, reject);
          } catch (err) {
            reject(err);
          }
        },
        () => resolve(unavailable),
        true,
      );
      if (!this.#enqueueCall(slot, call)) resolve({ status: 503, body: `Process ${ownerId} is overloaded (mailbox full)\n` });
    });
  }

  #busy(): boolean {
    if (this.#draining || this.#drainPending) return true;
    return this.#runHead < this.#runQueue.length;
  }

  #slotOf(target: Process<any> | PID<any>): Slot | undefined {
    if (target instanceof PID) {
      const slot = this.#slots.get(target.id);
      return slot !== undefined && slot.alive && slot.pidText === target.toString() ? slot : undefined;
    }
    for (const slot of this.#slots.values()) if (slot.process === target && slot.alive) return slot;
    return undefined;
  }

  #defaultId(process: Process<any>): string {
    const base = (process.constructor.name || 'process').replace(/^./, (c) => c.toLowerCase());
    let n = this.#nextId.get(base) ?? 1;
    while (this.#slots.has(`${base}(${n})`)) n++;
    this.#nextId.set(base, n + 1);
    return `${base}(${n})`;
  }

  #requireStarted(): void {
    if (!this.#started || this.#address === '') throw new LibprocessError('E_STATE', `runtime ${this.name} is not started: await runtime.start() first`);
  }

  /** Logs the first few of each kind, then at powers of two, so a flood of bad input cannot flood the log. */
  #warnLimited(kind: string, message: string): void {
    const n = (this.#logBudget.get(kind) ?? 0) + 1;
    this.#logBudget.set(kind, n);
    if (n <= 10 || (n & (n - 1)) === 0) this.logger.warn(n > 10 ? `${message} (${n} of this kind so far)` : message);
  }
}

type MethodOf<T> = { [K in keyof T]: T[K] extends (...args: any[]) => unknown ? K : never }[keyof T] & string;
type ArgsOf<F> = F extends (...args: infer A) => unknown ? A : never;
type ResultOf<F> = F extends (...args: any[]) => infer R ? R : never;

function prefixed(prefix: string, values: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) out[prefix + k] = v;
  return out;
}
