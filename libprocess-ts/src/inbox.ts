import type { Call } from './call.js';
import type { PeerAccount } from './peer-limits.js';
import type { PID } from './pid.js';

/**
 * The mailbox of one process in a runtime: a bounded FIFO ring of events.
 * An event is a message (its name, body and sender, and what it is charged
 * against its peer's budget) or a Call (a dispatch, a deferred continuation,
 * a timer, an `exited` notice, an HTTP request).
 *
 * It keeps each field in an array of its own (a struct of arrays) rather
 * than an object per event: a message costs no allocation on its way
 * through, and a ring has no head to compact. `shift` loads the oldest event
 * into the `head*` fields, which stay valid until the next `shift`.
 */
export class Inbox {
  #names: (string | undefined)[] = [];
  #bodies: unknown[] = [];
  #senders: (PID | undefined)[] = [];
  #accounts: (PeerAccount | undefined)[] = [];
  #bytes: number[] = [];
  /** Ring size - 1 (the size is a power of two). */
  #mask = 0;
  #head = 0;
  #size = 0;

  /** The oldest event after `shift`: a message's name, or undefined for a Call (then `headBody` is the Call). */
  headName: string | undefined = undefined;
  headBody: unknown = undefined;
  headSender: PID | undefined = undefined;
  headAccount: PeerAccount | undefined = undefined;
  headBytes = 0;

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError(`mailbox capacity must be positive, got ${capacity}`);
    this.#reset();
  }

  get size(): number {
    return this.#size;
  }

  /** Appends a message; false when the mailbox is full. */
  pushMessage(name: string, body: unknown, sender: PID, account: PeerAccount | undefined, bytes: number): boolean {
    if (this.#size >= this.capacity) return false;
    if (this.#size > this.#mask) this.#grow();
    const i = (this.#head + this.#size) & this.#mask;
    this.#names[i] = name;
    this.#bodies[i] = body;
    this.#senders[i] = sender;
    this.#accounts[i] = account;
    this.#bytes[i] = bytes;
    this.#size++;
    return true;
  }

  /** Appends a Call; false when the mailbox is full. */
  pushCall(call: Call): boolean {
    if (this.#size >= this.capacity) return false;
    if (this.#size > this.#mask) this.#grow();
    const i = (this.#head + this.#size) & this.#mask;
    this.#names[i] = undefined;
    this.#bodies[i] = call;
    this.#bytes[i] = 0;
    this.#size++;
    return true;
  }

  /** Moves the oldest event into the `head*` fields; false (and the fields cleared) when empty. */
  shift(): boolean {
    if (this.#size === 0) {
      this.headName = undefined;
      this.headBody = undefined;
      this.headSender = undefined;
      this.headAccount = undefined;
      this.headBytes = 0;
      return false;
    }
    const i = this.#head;
    this.headName = this.#names[i];
    this.headBody = this.#bodies[i];
    this.headSender = this.#senders[i];
    this.headAccount = this.#accounts[i];
    this.headBytes = this.#bytes[i]!;
    // Let go of what the event held, so a drained mailbox keeps nothing alive.
    this.#bodies[i] = undefined;
    this.#senders[i] = undefined;
    this.#accounts[i] = undefined;
    this.#head = (i + 1) & this.#mask;
    if (--this.#size === 0 && this.#mask >= SHRINK_ABOVE) this.#reset(); // a burst is over: give its memory back
    return true;
  }

  /** How many queued events are messages, and how many are Calls `isHttp` holds for (for metrics, not a hot path). */
  census(isHttp: (call: Call) => boolean): { messages: number; calls: number; http: number } {
    let messages = 0;
    let calls = 0;
    let http = 0;
    for (let k = 0; k < this.#size; k++) {
      const i = (this.#head + k) & this.#mask;
      if (this.#names[i] !== undefined) messages++;
      else {
        calls++;
        if (isHttp(this.#bodies[i] as Call)) http++;
      }
    }
    return { messages, calls, http };
  }

  /** An empty ring of the initial size. */
  #reset(): void {
    const n = INITIAL;
    this.#names = new Array<string | undefined>(n).fill(undefined);
    this.#bodies = new Array<unknown>(n).fill(undefined);
    this.#senders = new Array<PID | undefined>(n).fill(undefined);
    this.#accounts = new Array<PeerAccount | undefined>(n).fill(undefined);
    this.#bytes = new Array<number>(n).fill(0);
    this.#head = 0;
    this.#mask = n - 1;
  }

  /** Doubles the ring, oldest event first at index 0. */
  #grow(): void {
    const old = this.#mask + 1;
    const n = old * 2;
    const reorder = <T>(a: T[], fill: T): T[] => {
      const b = new Array<T>(n);
      for (let k = 0; k < old; k++) b[k] = a[(this.#head + k) & this.#mask]!;
      return b.fill(fill, old);
    };
    this.#names = reorder(this.#names, undefined);
    this.#bodies = reorder(this.#bodies, undefined);
    this.#senders = reorder(this.#senders, undefined);
    this.#accounts = reorder(this.#accounts, undefined);
    this.#bytes = reorder(this.#bytes, 0);
    this.#head = 0;
    this.#mask = n - 1;
  }
}

/** Slots of a new (or emptied) ring: a power of two. */
const INITIAL = 8;
/** A ring larger than this that empties goes back to INITIAL slots (smaller ones stay, so steady bursts do not regrow every time). */
const SHRINK_ABOVE = 65_535;
