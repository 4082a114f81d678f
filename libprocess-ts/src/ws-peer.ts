import type { TLSSocket } from 'node:tls';
import type { WebSocket } from 'ws';
import type { Timer } from './clock.js';
import type { Envelope } from './message.js';
import type { Handshake } from './ws-handshake.js';

/**
 * What the WebSocket transport (ws-transport.ts) keeps per peer runtime and
 * per connection, and the rules for the addresses and certificates it reads
 * from the other end.
 */

/** A peer address as this transport accepts it: `host:port`, host without spaces, `@` or `/`. */
const ADDRESS = /^[A-Za-z0-9.\-_]+:(\d{1,5})$/;

export function isPeerAddress(value: string): boolean {
  const m = ADDRESS.exec(value);
  return m !== null && Number(m[1]) > 0 && Number(m[1]) < 65536;
}

/** Client frames are masked with zeros: the RFC's mask protects browsers' proxies, not runtime-to-runtime links, and a zero mask lets both ends skip the XOR pass. */
export function zeroMask(mask: Buffer): void {
  mask[0] = 0;
  mask[1] = 0;
  mask[2] = 0;
  mask[3] = 0;
}

/** One WebSocket to one peer. */
export class Connection {
  open = false;
  /** No longer this peer's connection (a duplicate, or being replaced): its close is not a peer failure. */
  retired = false;
  /** Answered since the last ping. */
  alive = true;
  /** Pings in a row that went unanswered by the next interval (reset by any pong or frame). */
  missed = 0;
  /** The principal it authenticated as; undefined while not (yet) authenticated. */
  principal: string | undefined;
  /** Accepted, waiting for the dialer's proof: nothing is delivered meanwhile. */
  handshake: Handshake | undefined;
  keepalive: Timer | undefined;
  connectTimer: Timer | undefined;
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;

  constructor(
    readonly ws: WebSocket,
    readonly peer: string,
    readonly dialedByUs: boolean,
  ) {
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  markClosed(): void {
    this.open = false;
    this.keepalive?.cancel();
    this.keepalive = undefined;
    this.connectTimer?.cancel();
    this.connectTimer = undefined;
    this.handshake?.timer?.cancel();
    this.#resolveClosed();
  }
}

/** What this runtime knows about one peer runtime. */
export class Peer {
  /** The connection messages go out on: open, or (dialed by us) being made. */
  conn: Connection | undefined;
  /** An inbound duplicate kept only to receive while our own dial (which wins: our address is lower) proceeds; the peer closes it. */
  spare: Connection | undefined;
  queue: Envelope[] = [];
  dirty = false;
  failures = 0;
  /** Set while waiting out a backoff before the next dial. */
  retry: Timer | undefined;
  /** A connection to this peer has been open before (the next successful dial is a reconnect). */
  everOpen = false;

  constructor(readonly address: string) {}
}

/** The CN of an X.509 subject (`CN=node\nO=...`), or undefined. */
export function commonName(subject: string): string | undefined {
  for (const line of subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

/** The CN of the verified certificate the other end of a TLS socket showed, or undefined. */
export function peerCommonName(socket: TLSSocket): string | undefined {
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' && cn !== '' ? cn : undefined;
}
