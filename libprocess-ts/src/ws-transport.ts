import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { PeerAuth, newNonce, type AuthOptions } from './auth.js';
import type { Clock } from './clock.js';
import { decodeFrame, encodeFrame, FrameError } from './codec.js';
import { microtask } from './microtask.js';
import { HttpServer, rejectUpgrade, remoteOf } from './http-server.js';
import { ConnectionLimit } from './peer-limits.js';
import type { Envelope } from './message.js';
import type { TlsOptions } from './tls.js';
import type { Address, BadInputKind, Transport, TransportEvents } from './transport.js';
import { acceptHandshake, checkAcceptor, checkDialProof, dialHeaders, dialProofFrame, isRefusal, LIBPROCESS_PATH, NONCE_HEADER, PEER_HEADER, PROOF_HEADER, type AcceptorAnswer, type Handshake } from './ws-handshake.js';
import { commonName, Connection, isPeerAddress, Peer, peerCommonName, zeroMask } from './ws-peer.js';

export { LIBPROCESS_PATH, PEER_HEADER, PRINCIPAL_HEADER, NONCE_HEADER, PROOF_HEADER, AUTH_PREFIX } from './ws-handshake.js';
export { isPeerAddress } from './ws-peer.js';

/**
 * The WebSocket transport: a runtime listens on ONE port for HTTP and for
 * WebSocket upgrades on `LIBPROCESS_PATH`; ONE connection per pair of
 * runtimes carries every message between their processes, both ways.
 *
 * - Handshake: the dialing runtime names its own listening address in the
 *   `libprocess-peer` header of the upgrade request; the accepting runtime
 *   files the connection under that address, so replies reuse it. With
 *   `auth`, the upgrade also carries the dialer's principal and a fresh
 *   nonce; the acceptor answers with its own nonce and a proof (HMAC-SHA256
 *   under the principal's secret), and the dialer's first frame is its
 *   proof. Nothing is delivered before both proofs check (README: Identity).
 * - Ownership of an address: a connection claiming the address of a live
 *   connection authenticated as another principal is refused
 *   (`hijack_refused`); the live one stays.
 * - Duplicates: when both runtimes dial each other at once, the connection
 *   dialed by the lower address (string order) is kept; the other one is
 *   closed by its dialer after its frames went out (a WebSocket close frame
 *   follows the data), so nothing already sent is lost. Messages are queued
 *   per peer, not per connection, so nothing queued is lost either.
 * - Batching: `send` appends to the peer's queue; a microtask flushes every
 *   queue, one `pack` and one WebSocket message per peer and tick (split
 *   only when a batch would exceed `maxFrameBytes`).
 * - Failure: a connection that closes, errors, or stops answering pings
 *   reports `peerDown(peer)` at once. A dial that fails drops the messages
 *   queued for it (counted) and reports `peerDown`. Later sends dial again,
 *   no sooner than an exponential backoff after the last failure (timers from
 *   the injected clock); messages sent meanwhile wait in the bounded queue.
 * - Bad input: a frame that does not decode, or decodes to the wrong shape,
 *   or a text frame, is counted (`badInput('bad_frame')`), logged with the
 *   peer's address and dropped; the connection stays up since WebSocket
 *   framing is intact. An oversized frame (over `maxFrameBytes`, enforced by
 *   ws' `maxPayload`) and WebSocket protocol errors close that connection
 *   (ws cannot skip the rest of the payload), counted as `oversized_frame` /
 *   `bad_frame`. Other connections and the runtime carry on.
 */
export interface WsLogger {
  warn(message: string): void;
}

export interface WsTransportOptions {
  /** Interface to listen on, and the host part of this runtime's address. */
  readonly host: string;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  readonly clock: Clock;
  /** Host peers should dial, when it differs from `host` (e.g. listening on 0.0.0.0). */
  readonly advertiseHost?: string;
  /** Largest frame accepted (and sent). Default 16 MiB. */
  readonly maxFrameBytes?: number;
  /** Largest HTTP request body. Default 16 MiB. */
  readonly maxBodyBytes?: number;
  /** Unsent bytes of a streaming HTTP response after which its client, which does not read, is cut off (`slow_clients_cut`). Default 64 MiB. */
  readonly maxUnsentBytes?: number;
  /** Open connections (HTTP and peers) from one remote IP address; one more is closed at once (`connections_refused`). Default 1024. */
  readonly maxConnectionsPerAddress?: number;
  /** Messages that may wait for one peer while its connection is being made. Default 100,000. */
  readonly maxQueuedMessages?: number;
  /** A dial that has not opened after this long fails. Default 5,000 ms. */
  readonly connectTimeoutMs?: number;
  /** Ping every connection this often. 0 disables. Default 5,000 ms. */
  readonly keepaliveIntervalMs?: number;
  /**
   * A connection is closed once this many pings in a row went unanswered by the next interval, so a half-open
   * connection is found within `(misses + 1) * interval`. Default 3: a peer starved for one or two intervals (a
   * process holding thousands of simulated agents, a long GC) is not cut with every process behind it.
   */
  readonly keepaliveMisses?: number;
  /** First delay before dialing again after a failure; doubles up to `backoffMaxMs`. Default 100 ms. */
  readonly backoffInitialMs?: number;
  /** Default 5,000 ms. */
  readonly backoffMaxMs?: number;
  /** Where warnings (bad input with the peer's address, failed dials) go. Default: console.warn. */
  readonly logger?: WsLogger;
  /** Authenticate every connection (auth.ts): this runtime's principal and secret, and the principals it accepts. */
  readonly auth?: AuthOptions;
  /** Serve HTTPS and `wss://`, and dial peers with `wss://` (tls.ts; Mesos's LIBPROCESS_SSL_* settings). */
  readonly tls?: TlsOptions;
}

const DEFAULTS = {
  maxFrameBytes: 16 * 1024 * 1024,
  maxQueuedMessages: 100_000,
  connectTimeoutMs: 5_000,
  keepaliveIntervalMs: 5_000,
  keepaliveMisses: 3,
  backoffInitialMs: 100,
  backoffMaxMs: 5_000,
};

/** At most this many messages in one frame; a larger tick's batch becomes several frames. */
const MAX_MESSAGES_PER_FRAME = 65_536;

type Metric =
  | 'frames_sent' | 'frames_received' | 'bytes_sent' | 'bytes_received'
  | 'messages_sent' | 'messages_received' | 'messages_dropped'
  | 'connections_dialed' | 'connections_accepted' | 'connections_duplicate'
  | 'connect_failures' | 'reconnects' | 'peers_down' | 'keepalive_timeouts' | 'keepalive_misses' | 'keepalive_stalls' | 'pings_answered'
  | 'bad_frames' | 'oversized_frames' | 'bad_requests' | 'slow_clients_cut' | 'connections_refused'
  | 'connections_authenticated' | 'auth_failures' | 'hijacks_refused' | 'tls_failures';

export class WsTransport implements Transport {
  readonly #opts: Required<Omit<WsTransportOptions, 'advertiseHost' | 'logger' | 'auth' | 'tls' | 'maxUnsentBytes' | 'maxConnectionsPerAddress'>> & { advertiseHost: string | undefined; maxUnsentBytes: number | undefined };
  readonly #auth: PeerAuth | undefined;
  readonly #tls: TlsOptions | undefined;
  /** Mutual TLS names the principals (no `auth`): a peer is the CN of its verified certificate. */
  readonly #certIdentity: boolean;
  readonly #certPrincipal: string | undefined;
  /** Upgrade requests being answered -> what goes in their response headers. */
  readonly #handshakes = new WeakMap<IncomingMessage, Handshake>();
  readonly #connectionLimit: ConnectionLimit;
  readonly #clock: Clock;
  readonly #logger: WsLogger;
  readonly #peers = new Map<string, Peer>();
  #lastPeer: Peer | undefined;
  readonly #connections = new Set<Connection>();
  readonly #metrics: Record<Metric, number> = {
    frames_sent: 0, frames_received: 0, bytes_sent: 0, bytes_received: 0,
    messages_sent: 0, messages_received: 0, messages_dropped: 0,
    connections_dialed: 0, connections_accepted: 0, connections_duplicate: 0,
    connect_failures: 0, reconnects: 0, peers_down: 0, keepalive_timeouts: 0, keepalive_misses: 0, keepalive_stalls: 0, pings_answered: 0,
    bad_frames: 0, oversized_frames: 0, bad_requests: 0, slow_clients_cut: 0, connections_refused: 0,
    connections_authenticated: 0, auth_failures: 0, hijacks_refused: 0, tls_failures: 0,
  };
  #events: TransportEvents | undefined;
  #http: HttpServer | undefined;
  #wss: WebSocketServer | undefined;
  #self = '';
  #dirty: Peer[] = [];
  #flushScheduled = false;
  /** Frames decoded and not yet handed to the runtime (`#handOver`). */
  #arrived: { messages: Envelope[]; peer: string; bytes: number }[] = [];
  #handOverScheduled = false;
  #state: 'new' | 'started' | 'stopping' | 'stopped' = 'new';
  #stopping: Promise<void> | undefined;

  constructor(options: WsTransportOptions) {
    this.#clock = options.clock;
    this.#logger = options.logger ?? { warn: (m) => console.warn(m) };
    this.#auth = options.auth === undefined ? undefined : new PeerAuth(options.auth);
    this.#tls = options.tls;
    // Mutual TLS without a secret: runtimes are named by their certificates' common names.
    this.#certIdentity = this.#auth === undefined && options.tls?.requireCert === true;
    this.#certPrincipal = this.#certIdentity ? commonName(new X509Certificate(options.tls!.cert).subject) : undefined;
    this.#opts = {
      host: options.host,
      port: options.port,
      clock: options.clock,
      advertiseHost: options.advertiseHost,
      maxFrameBytes: options.maxFrameBytes ?? DEFAULTS.maxFrameBytes,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxFrameBytes,
      maxUnsentBytes: options.maxUnsentBytes,
      maxQueuedMessages: options.maxQueuedMessages ?? DEFAULTS.maxQueuedMessages,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      keepaliveIntervalMs: options.keepaliveIntervalMs ?? DEFAULTS.keepaliveIntervalMs,
      keepaliveMisses: Math.max(1, options.keepaliveMisses ?? DEFAULTS.keepaliveMisses),
      backoffInitialMs: options.backoffInitialMs ?? DEFAULTS.backoffInitialMs,
      backoffMaxMs: options.backoffMaxMs ?? DEFAULTS.backoffMaxMs,
    };
    this.#connectionLimit = new ConnectionLimit(options.maxConnectionsPerAddress);
  }

  /** This runtime's principal, when it authenticates its connections. */
  get principal(): string | undefined {
    return this.#auth?.principal ?? this.#certPrincipal;
  }

  /** This runtime's address, `host:port` (empty before `start`). */
  get address(): string {
    return this.#self;
  }

  async start(events: TransportEvents): Promise<Address> {
    if (this.#state !== 'new') throw new Error(`WsTransport.start: already ${this.#state}`);
    this.#state = 'started';
    this.#events = events;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.#opts.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.#wss.on('wsClientError', (err: Error, socket: Duplex) => {
      this.#badRequest(remoteOf(socket), `bad WebSocket handshake: ${err.message}`);
      rejectUpgrade(socket, 400, 'Bad Request');
    });
    this.#wss.on('headers', (headers: string[], req: IncomingMessage) => {
      const h = this.#handshakes.get(req);
      if (h !== undefined) headers.push(`${NONCE_HEADER}: ${h.acceptNonce}`, `${PROOF_HEADER}: ${h.proof}`);
    });
    this.#http = new HttpServer({
      host: this.#opts.host,
      port: this.#opts.port,
      maxBodyBytes: this.#opts.maxBodyBytes,
      handler: (request) => events.http(request),
      upgrade: (req, socket, head) => this.#onUpgrade(req, socket, head),
      badRequest: (remote, detail) => this.#badRequest(remote, detail),
      ...(this.#tls !== undefined
        ? {
            tls: this.#tls,
            tlsError: (remote: string, detail: string) => {
              this.#metrics.tls_failures++;
              this.#bad('auth_failure', remote, detail);
            },
          }
        : {}),
      ...(this.#opts.maxUnsentBytes !== undefined ? { maxUnsentBytes: this.#opts.maxUnsentBytes } : {}),
      slowClient: (_remote, detail) => {
        this.#metrics.slow_clients_cut++;
        this.#logger.warn(`libprocess-ts: ${detail}`);
      },
      connectionLimit: this.#connectionLimit,
      refusedConnection: (_remote, detail) => {
        this.#metrics.connections_refused++;
        this.#warnRefused(detail);
      },
    });
    let address: Address;
    try {
      address = await this.#http.listen();
    } catch (err) {
      this.#state = 'stopped';
      throw err;
    }
    const host = this.#opts.advertiseHost ?? address.host;
    this.#self = `${host}:${address.port}`;
    return { host, port: address.port };
  }

  send(peer: string, message: Envelope): void {
    if (this.#state !== 'started') {
      this.#metrics.messages_dropped++;
      return;
    }
    const p = this.#peer(peer);
    if (p === undefined) {
      this.#metrics.messages_dropped++;
      return;
    }
    // While a connection is open the queue empties every tick; the bound is for a peer we cannot reach yet.
    if (p.queue.length >= this.#opts.maxQueuedMessages && p.conn?.open !== true) {
      this.#metrics.messages_dropped++;
      return;
    }
    p.queue.push(message);
    if (!p.dirty) {
      p.dirty = true;
      this.#dirty.push(p);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        microtask(this.#flush);
      }
    }
  }

  connect(peer: string): void {
    if (this.#state !== 'started') return;
    const p = this.#peer(peer);
    if (p === undefined) {
      this.#reportDown(peer);
      return;
    }
    if (p.conn === undefined && p.retry === undefined) this.#dial(p);
  }

  metrics(): Record<string, number> {
    let open = 0;
    for (const c of this.#connections) if (c.open) open++;
    let queued = 0;
    for (const p of this.#peers.values()) queued += p.queue.length;
    return { ...this.#metrics, connections_open: open, messages_queued: queued, peers: this.#peers.size };
  }

  /**
   * Sends what is queued on open connections, closes every connection (a
   * WebSocket close after the last frame), then the HTTP server. No event is
   * reported after `stop` begins.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#state === 'new') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopping';
    this.#flush(); // what open connections can still carry goes out before their close frame
    for (const p of this.#peers.values()) {
      p.retry?.cancel();
      p.retry = undefined;
      this.#metrics.messages_dropped += p.queue.length;
      p.queue = [];
    }
    const closing: Promise<void>[] = [];
    for (const c of this.#connections) {
      c.retired = true;
      c.keepalive?.cancel();
      c.connectTimer?.cancel();
      if (c.open) c.ws.close(1001, 'runtime stopping');
      else c.ws.terminate();
      closing.push(c.closed);
    }
    await Promise.all([Promise.all(closing), this.#http?.close()]);
    this.#wss?.close();
    this.#state = 'stopped';
  }

  // -- peers and connections --

  #peer(address: string): Peer | undefined {
    // Sends come in runs to one peer: the last one found answers most of them without a lookup (peers are never removed).
    const last = this.#lastPeer;
    if (last !== undefined && last.address === address) return last;
    let p = this.#peers.get(address);
    if (p === undefined) {
      if (!isPeerAddress(address)) {
        this.#logger.warn(`libprocess-ts: not a peer address: ${JSON.stringify(address)}`);
        return undefined;
      }
      p = new Peer(address);
      this.#peers.set(address, p);
    }
    this.#lastPeer = p;
    return p;
  }

  #dial(p: Peer): void {
    const identity = this.#auth?.dialAs(p.address);
    const dialNonce = identity === undefined ? '' : newNonce();
    const headers = dialHeaders(this.#self, identity, dialNonce);
    const tls = this.#tls;
    const ws = new WebSocket(`${tls === undefined ? 'ws' : 'wss'}://${p.address}${LIBPROCESS_PATH}`, {
      headers,
      maxPayload: this.#opts.maxFrameBytes,
      perMessageDeflate: false,
      generateMask: zeroMask,
      // Under TLS a runtime shows its certificate when it dials too (mutual TLS) and checks the peer's against the CA.
      ...(tls !== undefined ? { cert: tls.cert, key: tls.key, ...(tls.ca !== undefined ? { ca: tls.ca } : {}) } : {}),
    });
    const conn = new Connection(ws, p.address, true);
    let answer: AcceptorAnswer | undefined;
    let certPrincipal: string | undefined;
    ws.on('upgrade', (res: IncomingMessage) => {
      answer = { nonce: res.headers[NONCE_HEADER], proof: res.headers[PROOF_HEADER] };
      if (this.#certIdentity) certPrincipal = peerCommonName(res.socket as TLSSocket);
    });
    this.#connections.add(conn);
    this.#metrics.connections_dialed++;
    p.conn = conn;
    conn.connectTimer = this.#clock.timer(this.#opts.connectTimeoutMs, () => {
      conn.connectTimer = undefined;
      if (!conn.open) {
        this.#logger.warn(`libprocess-ts: connecting to ${p.address} timed out after ${this.#opts.connectTimeoutMs} ms`);
        ws.terminate();
      }
    });
    ws.on('open', () => {
      conn.connectTimer?.cancel();
      conn.connectTimer = undefined;
      if (this.#state !== 'started' || conn.retired) {
        ws.close(1000, 'duplicate');
        return;
      }
      const checked = checkAcceptor(this.#auth, { self: this.#self, peer: p.address, identity, dialNonce }, answer);
      if (isRefusal(checked)) {
        this.#authFailure(p.address, checked.refused);
        ws.terminate(); // a failed dial: 'close' reports the peer down
        return;
      }
      const principal = checked.principal;
      if (principal !== undefined) {
        ws.send(dialProofFrame(identity!, this.#self, p.address, dialNonce, answer!));
        this.#metrics.connections_authenticated++;
      }
      conn.principal = principal ?? certPrincipal;
      this.#opened(p, conn);
    });
    this.#wire(conn);
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const remote = remoteOf(socket);
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path !== LIBPROCESS_PATH) {
      rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    if (this.#state !== 'started') {
      rejectUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    const peer = req.headers[PEER_HEADER];
    if (typeof peer !== 'string' || !isPeerAddress(peer)) {
      this.#badRequest(remote, `libprocess upgrade without a valid '${PEER_HEADER}' header (${JSON.stringify(peer ?? null)})`);
      rejectUpgrade(socket, 400, 'Bad Request');
      return;
    }
    if (peer === this.#self) {
      // A runtime never dials itself: whoever claims our own address would pass for a local sender.
      this.#authFailure(`${peer} (from ${remote})`, "claims this runtime's own address; refused (403)");
      rejectUpgrade(socket, 403, 'Forbidden');
      return;
    }
    let handshake: Handshake | undefined;
    const auth = this.#auth;
    if (auth !== undefined) {
      const answer = acceptHandshake(auth, req.headers, peer, this.#self);
      if (isRefusal(answer)) {
        this.#authFailure(`${peer} (from ${remote})`, answer.refused);
        rejectUpgrade(socket, answer.status, answer.status === 400 ? 'Bad Request' : 'Unauthorized');
        return;
      }
      handshake = answer;
      if (handshake !== undefined) this.#handshakes.set(req, handshake);
    }
    const certPrincipal = this.#certIdentity ? peerCommonName(socket as TLSSocket) : undefined;
    this.#wss!.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, peer, handshake, certPrincipal));
  }

  #accept(ws: WebSocket, address: string, handshake: Handshake | undefined, certPrincipal?: string): void {
    const conn = new Connection(ws, address, false);
    this.#connections.add(conn);
    this.#metrics.connections_accepted++;
    this.#wire(conn);
    if (this.#state !== 'started') {
      conn.retired = true;
      ws.close(1001, 'runtime stopping');
      return;
    }
    if (handshake !== undefined) {
      // Not this peer's connection until the dialer's proof checks.
      conn.handshake = handshake;
      handshake.timer = this.#clock.timer(this.#opts.connectTimeoutMs, () => {
        if (conn.handshake !== handshake) return;
        conn.handshake = undefined;
        this.#authFailure(address, `gave no proof within ${this.#opts.connectTimeoutMs} ms; closing the connection`);
        conn.retired = true;
        ws.terminate();
      });
      return;
    }
    this.#admit(conn, certPrincipal);
  }

  /** The dialer's first frame on a connection being authenticated: its proof. */
  #onProof(conn: Connection, handshake: Handshake, frame: Buffer, isBinary: boolean): void {
    handshake.timer?.cancel();
    conn.handshake = undefined;
    const refused = checkDialProof(handshake, frame, isBinary, conn.peer, this.#self);
    if (refused !== undefined) {
      this.#authFailure(conn.peer, refused);
      conn.retired = true;
      conn.ws.close(4401, 'authentication failed');
      return;
    }
    this.#metrics.connections_authenticated++;
    this.#auth!.learn(conn.peer, handshake.principal);
    this.#admit(conn, handshake.principal);
  }

  /** An accepted connection, authenticated as `principal` (or not at all), becomes its peer's. */
  #admit(conn: Connection, principal: string | undefined): void {
    if (this.#state !== 'started') {
      conn.retired = true;
      conn.ws.close(1001, 'runtime stopping');
      return;
    }
    const address = conn.peer;
    const ws = conn.ws;
    conn.principal = principal;
    const p = this.#peer(address)!;
    const existing = p.conn;
    if (existing !== undefined && existing.open && existing.principal !== principal) {
      // Someone else claims the address of a live peer: the live connection stays.
      this.#metrics.hijacks_refused++;
      this.#bad('hijack_refused', address, `a second connection claims ${address}, live under principal ${existing.principal ?? '(unauthenticated)'}, as ${principal ?? '(unauthenticated)'}; refused`);
      conn.retired = true;
      ws.close(4403, 'address in use by another principal');
      return;
    }
    if (existing !== undefined && existing.dialedByUs && this.#self < address) {
      // Both dialed: ours (dialed by the lower address) wins. The peer closes this one once it sees ours.
      this.#metrics.connections_duplicate++;
      conn.open = true;
      conn.retired = true;
      p.spare?.ws.close(1000, 'duplicate');
      p.spare = conn;
      this.#startKeepalive(conn);
      this.#events!.connected(address, principal);
      return;
    }
    if (existing !== undefined) {
      existing.retired = true;
      if (existing.dialedByUs) {
        // Both dialed and the peer's address is lower: its connection wins; close ours after what it carries.
        this.#metrics.connections_duplicate++;
        if (existing.open) existing.ws.close(1000, 'duplicate');
        // Still connecting: the 'open' handler closes it (terminating now would abort the handshake noisily).
      } else {
        // The peer dialed again while we still held its old connection: the old one is gone for it.
        existing.ws.terminate();
        this.#reportDown(address);
      }
    }
    this.#opened(p, conn);
  }

  /** `conn` becomes the open connection of `p`: flush what waited. */
  #opened(p: Peer, conn: Connection): void {
    conn.open = true;
    p.conn = conn;
    p.retry?.cancel();
    p.retry = undefined;
    if (p.everOpen && conn.dialedByUs) this.#metrics.reconnects++;
    p.everOpen = true;
    p.failures = 0;
    this.#startKeepalive(conn);
    try {
      this.#events!.connected(p.address, conn.principal);
    } catch (err) {
      this.#logger.warn(`libprocess-ts: connected(${p.address}) threw: ${err instanceof Error ? err.stack : String(err)}`);
    }
    if (p.queue.length > 0) this.#flushPeer(p);
  }

  #wire(conn: Connection): void {
    const ws = conn.ws;
    ws.on('message', (data: RawData, isBinary: boolean) => this.#onFrame(conn, data, isBinary));
    ws.on('pong', () => {
      conn.alive = true;
    });
    // ws has answered it by now (as it parsed it).
    ws.on('ping', () => {
      this.#metrics.pings_answered++;
    });
    ws.on('error', (err: Error & { code?: string }) => this.#onError(conn, err));
    ws.on('close', () => this.#onClose(conn));
  }

  #onFrame(conn: Connection, data: RawData, isBinary: boolean): void {
    conn.alive = true;
    if (this.#state === 'stopped') return;
    const frame = data as Buffer; // binaryType 'nodebuffer': always one Buffer
    if (conn.handshake !== undefined) {
      this.#onProof(conn, conn.handshake, frame, isBinary);
      return;
    }
    if (conn.retired && !conn.open) return; // refused: nothing it sends is delivered
    this.#metrics.frames_received++;
    this.#metrics.bytes_received += frame.length;
    if (!isBinary) {
      this.#bad('bad_frame', conn.peer, `text frame of ${frame.length} bytes (frames are binary msgpack)`);
      return;
    }
    const messages = decodeFrame(frame);
    if (messages instanceof FrameError) {
      this.#bad('bad_frame', conn.peer, messages.message);
      return;
    }
    this.#metrics.messages_received += messages.length;
    // Handed over once the whole socket read is parsed (a microtask), not from inside ws' parser: a ping that came
    // in the same read is answered first, and no handler runs while ws is in the middle of a read.
    this.#arrived.push({ messages, peer: conn.peer, bytes: frame.length });
    if (!this.#handOverScheduled) {
      this.#handOverScheduled = true;
      microtask(this.#handOver);
    }
  }

  /** The frames parsed since the last hand-over, in arrival order, to the runtime. */
  readonly #handOver = (): void => {
    this.#handOverScheduled = false;
    const arrived = this.#arrived;
    this.#arrived = [];
    for (const frame of arrived) {
      if (this.#state === 'stopped') return;
      try {
        this.#events!.deliver(frame.messages, frame.peer, frame.bytes);
      } catch (err) {
        this.#logger.warn(`libprocess-ts: delivering a frame from ${frame.peer} threw: ${err instanceof Error ? err.stack : String(err)}`);
      }
    }
  };

  #onError(conn: Connection, err: Error & { code?: string }): void {
    const code = err.code ?? '';
    if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      this.#bad('oversized_frame', conn.peer, `${err.message} (limit ${this.#opts.maxFrameBytes} bytes); closing the connection`);
    } else if (code.startsWith('WS_ERR_')) {
      this.#bad('bad_frame', conn.peer, `${err.message}; closing the connection`);
    } else if (!conn.open && conn.dialedByUs) {
      if (this.#state === 'started' && !conn.retired) this.#logger.warn(`libprocess-ts: cannot connect to ${conn.peer}: ${err.message}`);
    }
    // 'close' always follows.
  }

  #onClose(conn: Connection): void {
    const wasOpen = conn.open;
    const handshake = conn.handshake;
    if (handshake !== undefined && this.#state === 'started') {
      // The dialer went away before proving: most likely it found our proof wrong (it does not hold the secret it claimed).
      this.#authFailure(conn.peer, `closed the connection before proving the secret of '${handshake.principal}'`);
    }
    conn.markClosed();
    this.#connections.delete(conn);
    if (this.#state !== 'started') return;
    const p = this.#peers.get(conn.peer);
    if (p === undefined) return;
    if (p.spare === conn) p.spare = undefined;
    if (conn.retired || p.conn !== conn) return;
    p.conn = undefined;
    if (!wasOpen) {
      // A dial that failed. If the peer dialed us meanwhile, use its connection.
      this.#metrics.connect_failures++;
      const spare = p.spare;
      if (spare !== undefined && spare.open) {
        p.spare = undefined;
        spare.retired = false;
        this.#opened(p, spare);
        return;
      }
      p.failures++;
      this.#metrics.messages_dropped += p.queue.length;
      p.queue = [];
      this.#scheduleRetry(p);
      this.#reportDown(p.address);
      return;
    }
    // An open connection went away: the peer is down for its linkers now. Traffic queued meanwhile dials again.
    this.#reportDown(p.address);
    if (p.queue.length > 0 && p.conn === undefined && p.retry === undefined) this.#dial(p);
  }

  /** After a failed dial, the next one waits `backoffInitialMs * 2^(failures-1)`, capped. */
  #scheduleRetry(p: Peer): void {
    const delay = Math.min(this.#opts.backoffMaxMs, this.#opts.backoffInitialMs * 2 ** Math.min(p.failures - 1, 30));
    p.retry = this.#clock.timer(delay, () => {
      p.retry = undefined;
      if (this.#state === 'started' && p.conn === undefined && p.queue.length > 0) this.#dial(p);
    });
  }

  #startKeepalive(conn: Connection): void {
    const interval = this.#opts.keepaliveIntervalMs;
    if (interval <= 0) return;
    let due = this.#clock.now() + interval;
    const tick = (): void => {
      conn.keepalive = undefined;
      if (!conn.open) return;
      // A tick much later than due means this process was stalled (a long event, a starved CPU): the peer's
      // pong may be waiting unread behind it (timers run before sockets are read). Ping again and judge at the
      // next tick, rather than cutting a healthy connection (with every process on it) for our own stall.
      const stalled = this.#clock.now() - due > interval / 2;
      if (conn.alive) conn.missed = 0;
      else if (stalled) this.#metrics.keepalive_stalls++;
      else if (++conn.missed >= this.#opts.keepaliveMisses) {
        this.#metrics.keepalive_timeouts++;
        this.#logger.warn(`libprocess-ts: ${conn.peer} answered none of ${conn.missed} pings ${interval} ms apart; closing the connection`);
        conn.ws.terminate();
        return;
      } else this.#metrics.keepalive_misses++;
      conn.alive = false;
      conn.ws.ping();
      due = this.#clock.now() + interval;
      conn.keepalive = this.#clock.timer(interval, tick);
    };
    conn.keepalive = this.#clock.timer(interval, tick);
  }

  // -- sending --

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    const dirty = this.#dirty;
    if (dirty.length === 0) return;
    this.#dirty = [];
    for (const p of dirty) {
      p.dirty = false;
      if (p.queue.length === 0) continue;
      if (p.conn?.open === true) this.#flushPeer(p);
      else if (p.conn === undefined && p.retry === undefined && this.#state === 'started') this.#dial(p);
    }
  };

  #flushPeer(p: Peer): void {
    const queue = p.queue;
    p.queue = [];
    const ws = p.conn!.ws;
    for (let i = 0; i < queue.length; i += MAX_MESSAGES_PER_FRAME) {
      const batch = i === 0 && queue.length <= MAX_MESSAGES_PER_FRAME ? queue : queue.slice(i, i + MAX_MESSAGES_PER_FRAME);
      this.#sendBatch(p, ws, batch);
    }
  }

  #sendBatch(p: Peer, ws: WebSocket, batch: readonly Envelope[]): void {
    let frame: Uint8Array;
    try {
      frame = encodeFrame(batch);
    } catch (err) {
      // A body msgpack cannot encode: find it by halving, so the other messages still go.
      if (batch.length > 1) {
        const mid = batch.length >>> 1;
        this.#sendBatch(p, ws, batch.slice(0, mid));
        this.#sendBatch(p, ws, batch.slice(mid));
        return;
      }
      this.#metrics.messages_dropped++;
      this.#logger.warn(`libprocess-ts: cannot encode '${batch[0]!.name}' for ${batch[0]!.to}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (frame.length > this.#opts.maxFrameBytes) {
      if (batch.length > 1) {
        const mid = batch.length >>> 1;
        this.#sendBatch(p, ws, batch.slice(0, mid));
        this.#sendBatch(p, ws, batch.slice(mid));
        return;
      }
      this.#metrics.messages_dropped++;
      this.#logger.warn(`libprocess-ts: dropping '${batch[0]!.name}' for ${batch[0]!.to}: ${frame.length} bytes exceed the frame limit of ${this.#opts.maxFrameBytes}`);
      return;
    }
    ws.send(frame, { binary: true });
    this.#metrics.frames_sent++;
    this.#metrics.bytes_sent += frame.length;
    this.#metrics.messages_sent += batch.length;
  }

  // -- reporting --

  #reportDown(peer: string): void {
    this.#metrics.peers_down++;
    try {
      this.#events?.peerDown(peer);
    } catch (err) {
      this.#logger.warn(`libprocess-ts: peerDown(${peer}) threw: ${err instanceof Error ? err.stack : String(err)}`);
    }
  }

  /** A connection that failed to authenticate: counted, logged with the peer's address. */
  #authFailure(peer: string, detail: string): void {
    this.#metrics.auth_failures++;
    this.#bad('auth_failure', peer, detail);
  }

  #bad(kind: BadInputKind, peer: string, detail: string): void {
    if (kind === 'oversized_frame') this.#metrics.oversized_frames++;
    else if (kind === 'bad_frame') this.#metrics.bad_frames++;
    this.#logger.warn(`libprocess-ts: ${kind} from ${peer}: ${detail}`);
    try {
      this.#events?.badInput(kind, peer, detail);
    } catch {
      // The runtime's accounting must not break the connection.
    }
  }

  /** Refused connections are logged the first ten times, then at powers of two (a flood must not flood the log). */
  #warnRefused(detail: string): void {
    const n = this.#metrics.connections_refused;
    if (n <= 10 || (n & (n - 1)) === 0) this.#logger.warn(`libprocess-ts: ${detail}${n > 10 ? ` (${n} refused so far)` : ''}`);
  }

  /** A request on the port that is neither HTTP nor a libprocess upgrade. */
  #badRequest(remote: string, detail: string): void {
    this.#metrics.bad_requests++;
    this.#logger.warn(`libprocess-ts: bad_frame from ${remote}: ${detail}`);
    try {
      this.#events?.badInput('bad_frame', remote, detail);
    } catch {
      // as above
    }
  }
}
