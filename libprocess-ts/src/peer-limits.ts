/**
 * Per-peer bounds, so that one client cannot take a runtime's memory or
 * sockets for itself:
 *
 *  - `ConnectionLimit`: open TCP connections (HTTP, streams and libprocess
 *    WebSockets alike) from one remote IP address. The one over the limit is
 *    closed as soon as it is accepted, counted and logged.
 *  - `MailboxBudget`: bytes of messages from one peer runtime that wait in
 *    mailboxes (a message is charged its share of the frame it came in when
 *    it is queued, and released when it is handled or dropped). A message
 *    that would take its peer over the budget is dropped and counted, as a
 *    message for a full mailbox is; other peers are unaffected.
 *
 * Both are plain counters with no I/O; the HTTP server and the runtime call
 * them where connections open and close and where messages enter and leave
 * mailboxes.
 */

/** Defaults generous enough for a whole local cluster on 127.0.0.1 (every peer shares that address). */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 1024;
export const DEFAULT_MAX_MAILBOX_BYTES_PER_PEER = 64 * 1024 * 1024;

export class ConnectionLimit {
  readonly #open = new Map<string, number>();
  /** Connections closed at once because their address had `max` open. */
  refused = 0;

  constructor(readonly max: number = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS) {
    if (!(max > 0)) throw new RangeError(`the connection limit per address must be positive, got ${max}`);
  }

  /** A connection from `address` opened: false (and counted) when it is one too many. */
  open(address: string): boolean {
    const n = this.#open.get(address) ?? 0;
    if (n >= this.max) {
      this.refused++;
      return false;
    }
    this.#open.set(address, n + 1);
    return true;
  }

  /** A connection that `open` accepted closed. */
  close(address: string): void {
    const n = this.#open.get(address) ?? 0;
    if (n <= 1) this.#open.delete(address);
    else this.#open.set(address, n - 1);
  }

  count(address: string): number {
    return this.#open.get(address) ?? 0;
  }
}

/** What one peer has waiting in mailboxes. */
export interface PeerAccount {
  readonly peer: string;
  queued: number;
}

export class MailboxBudget {
  readonly #accounts = new Map<string, PeerAccount>();
  /** Messages dropped because their peer had `max` bytes waiting. */
  refused = 0;

  constructor(readonly max: number = DEFAULT_MAX_MAILBOX_BYTES_PER_PEER) {
    if (!(max > 0)) throw new RangeError(`the mailbox budget per peer must be positive, got ${max}`);
  }

  /** The account of `peer` (looked up once per frame; messages keep a reference to it). */
  account(peer: string): PeerAccount {
    let a = this.#accounts.get(peer);
    if (a === undefined) this.#accounts.set(peer, (a = { peer, queued: 0 }));
    return a;
  }

  /** Charges `bytes` to the account: false (and counted) when that would take it over the budget. */
  charge(account: PeerAccount, bytes: number): boolean {
    if (account.queued + bytes > this.max) {
      this.refused++;
      return false;
    }
    account.queued += bytes;
    return true;
  }

  /** Gives back what `charge` took; an account with nothing waiting is forgotten. */
  release(account: PeerAccount, bytes: number): void {
    account.queued -= bytes;
    if (account.queued <= 0 && this.#accounts.get(account.peer) === account) this.#accounts.delete(account.peer);
  }

  queued(peer: string): number {
    return this.#accounts.get(peer)?.queued ?? 0;
  }
}
