import type { Clock, Timer } from './clock.js';
import { Inbox } from './inbox.js';
import type { LogVerbosity, Logger } from './logging.js';
import type { PID } from './pid.js';
import type { Process, ProcessContext } from './process.js';
import type { Runtime } from './runtime.js';
import type { Transport } from './transport.js';

// The runtime's options, its record of a spawned process, and its counters (runtime.ts uses them).

export interface RuntimeOptions {
  /** How this runtime reaches others (WebSocket for real, SimulatedNetwork in tests). */
  readonly transport: Transport;
  /** Defaults to the real clock. Give a VirtualClock for deterministic tests. */
  readonly clock?: Clock;
  /** A name for logs. */
  readonly name?: string;
  /** Events a mailbox holds before it refuses more (default 1,000,000). */
  readonly mailboxCapacity?: number;
  readonly logger?: Logger;
  /**
   * The verbosity `/logging/toggle` and SET_LOGGING_LEVEL change (default: a
   * new one at LIBPROCESS_LOG_LEVEL). The runtime's own logger follows it
   * when no `logger` is given; a given logger follows it if it was made with it.
   */
  readonly logging?: LogVerbosity;
  /**
   * Real time (ms) spent serving events in one turn of the event loop before
   * yielding to I/O and timers (default: no limit but the event budget). A
   * runtime whose processes include a timer-driven one (a replica of a log
   * with a lease) sets it so that a burst of slow events does not starve its
   * timers. Ignored with a virtual clock, so simulations stay deterministic.
   */
  readonly maxDrainMs?: number;
  /** Bytes of messages from one peer runtime that may wait in mailboxes (peer-limits.ts; default 64 MiB; Infinity: not accounted). */
  readonly maxMailboxBytesPerPeer?: number;
}

/** The runtime's record of one spawned process. */
export class Slot implements ProcessContext {
  readonly mailbox: Inbox;
  readonly pidText: string;
  handlers: Readonly<Record<string, ((body: unknown, from: PID) => void) | undefined>> = {};
  /** The sender of the message being handled, if any. */
  sender: PID | undefined = undefined;
  /** Messages only this runtime's processes may send: all of them (true), or these names. */
  localOnly: boolean | ReadonlySet<string> = false;
  alive = true;
  ready = false;
  scheduled = false;
  readonly timers = new Set<Timer>();
  /** Local processes linked to this one. */
  readonly watchers = new Set<Slot>();
  readonly waiters: (() => void)[] = [];

  constructor(
    readonly process: Process<any>,
    readonly pid: PID,
    readonly runtime: Runtime,
    capacity: number,
  ) {
    this.mailbox = new Inbox(capacity);
    this.pidText = pid.toString();
  }
}

/** Counters a runtime keeps (see `Runtime.metrics`). */
export interface RuntimeCounters {
  processes: number;
  messages_sent_local: number;
  messages_sent_remote: number;
  messages_received_remote: number;
  messages_handled: number;
  events_handled: number;
  dropped_by_filter: number;
  refused_mailbox_full: number;
  unknown_message: number;
  no_such_process: number;
  bad_frame: number;
  oversized_frame: number;
  auth_failure: number;
  hijack_refused: number;
  handler_errors: number;
  /** Remote messages whose `from` is not a process at the address of the peer that sent them. */
  spoofed_sender: number;
  /** Remote messages for a process (or a message name) that accepts only local senders. */
  local_only: number;
  refused_peer_budget: number;
}
