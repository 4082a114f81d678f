import type { Envelope } from './message.js';
import type { HttpRequest, HttpResponse } from './http-types.js';

/** A runtime's listening address, `host:port`, which is also the suffix of every PID it hosts. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** Kinds of bad input a runtime counts, logs with the peer's address, and drops. */
export type BadInputKind =
  | 'bad_frame'          // a frame that does not decode, or decodes to the wrong shape
  | 'oversized_frame'    // a frame over the configured size limit
  | 'unknown_message'    // a name the receiving process has no handler for (counted by the runtime)
  | 'no_such_process'    // a message for a process this runtime does not host (counted by the runtime)
  | 'auth_failure'       // a connection that did not authenticate (unknown principal, wrong secret, bad or missing proof)
  | 'hijack_refused';    // a connection claiming the address of a live peer under another principal

/**
 * What a transport reports to the runtime that owns it. A transport never
 * interprets messages: it moves envelopes between runtimes.
 */
export interface TransportEvents {
  /**
   * Messages from the runtime at `peer` ("host:port"), in the order they were
   * sent; `bytes`: the size of the frame they came in, when known (each
   * message is charged its share against the peer's mailbox budget).
   */
  deliver(messages: readonly Envelope[], peer: string, bytes?: number): void;
  /**
   * The connection to `peer` closed, broke, or could not be made. The runtime
   * turns this into `exited` for every process linked to a process at `peer`.
   */
  peerDown(peer: string): void;
  /**
   * A connection to `peer` is open and will carry messages. `principal` is
   * what it authenticated as (see auth.ts), undefined for an unauthenticated
   * one. Every message delivered from `peer` until its next connection
   * belongs to that principal.
   */
  connected(peer: string, principal: string | undefined): void;
  /** A frame that could not be accepted. The connection and the runtime carry on when they can. */
  badInput(kind: BadInputKind, peer: string, detail: string): void;
  /** An HTTP request that arrived on the runtime's port (transports without HTTP never call it). */
  http(request: HttpRequest): Promise<HttpResponse>;
}

export interface Transport {
  /** Starts listening; resolves with the address this runtime is reachable at. */
  start(events: TransportEvents): Promise<Address>;
  /**
   * Queues a message for the runtime at `peer`. Messages queued in the same
   * tick travel together as one frame. Delivery is best effort, as in
   * libprocess: when the peer cannot be reached, the message is dropped
   * (counted) and `peerDown(peer)` is reported.
   */
  send(peer: string, message: Envelope): void;
  /** Makes sure a connection to `peer` exists or is being made (used by `link`). */
  connect(peer: string): void;
  /** Closes every connection and the listening socket; leaves no handle behind. */
  stop(): Promise<void>;
  /** This runtime's principal, when it authenticates its connections. */
  readonly principal: string | undefined;
  /** Counters of the transport itself (frames and bytes in and out, connections, reconnects). */
  metrics(): Record<string, number>;
}
