import * as http from 'node:http';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Address } from './transport.js';
import type { ChunkWriter, HttpRequest, HttpResponse } from './http-types.js';
import type { TlsOptions } from './tls.js';
import type { ConnectionLimit } from './peer-limits.js';

/**
 * The runtime's port as an HTTP server: requests become `HttpRequest`s for the
 * runtime's router, responses are written back (whole, or streamed as chunked
 * transfer-encoding with one HTTP chunk per `ChunkWriter.write`), and
 * WebSocket upgrades are handed to the transport.
 */
export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  /** Serves one request (the runtime's `TransportEvents.http`). */
  readonly handler: (request: HttpRequest) => Promise<HttpResponse>;
  /** Largest request body accepted; a larger one is answered 413. Default 16 MiB. */
  readonly maxBodyBytes?: number;
  /** Takes over an `Upgrade:` request; without it, upgrades are refused with 404. */
  readonly upgrade?: (request: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** A request that is not HTTP at all (bytes the parser refuses); the connection is answered 400 and closed. */
  readonly badRequest?: (remoteAddress: string, detail: string) => void;
  /** Serve HTTPS (and `wss://` upgrades) instead of plain HTTP. */
  readonly tls?: TlsOptions;
  /** A TLS handshake that failed (no or a bad client certificate under mutual TLS, not TLS at all). */
  readonly tlsError?: (remoteAddress: string, detail: string) => void;
  /**
   * A streaming response's unsent bytes after which its client, which does
   * not read, is cut off. Checked before each write, so one chunk larger than
   * the bound still goes out to a client that reads. Default 64 MiB.
   */
  readonly maxUnsentBytes?: number;
  /** A streaming client was cut off for not reading (counted and logged by the owner). */
  slowClient?: (remoteAddress: string, detail: string) => void;
  /** Open connections per remote IP address (peer-limits.ts); one over it is closed at once. */
  readonly connectionLimit?: ConnectionLimit;
  /** A connection was closed for being over `connectionLimit` (logged by the owner). */
  refusedConnection?: (remoteAddress: string, detail: string) => void;
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_UNSENT_BYTES = 64 * 1024 * 1024;

export class HttpServer {
  readonly #options: HttpServerOptions;
  readonly #maxBodyBytes: number;
  readonly #streamLimits: StreamLimits;
  readonly #server: http.Server | https.Server;
  #closing: Promise<void> | undefined;

  constructor(options: HttpServerOptions) {
    this.#options = options;
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const maxUnsentBytes = options.maxUnsentBytes ?? DEFAULT_MAX_UNSENT_BYTES;
    if (!(maxUnsentBytes > 0)) throw new RangeError(`maxUnsentBytes must be positive, got ${maxUnsentBytes}`);
    this.#streamLimits = { maxUnsentBytes, slowClient: (remote, detail) => options.slowClient?.(remote, detail) };
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => this.#onRequest(req, res);
    const tls = options.tls;
    if (tls === undefined) this.#server = http.createServer(onRequest);
    else {
      const requireCert = tls.requireCert === true;
      this.#server = https.createServer({ cert: tls.cert, key: tls.key, ...(tls.ca !== undefined ? { ca: tls.ca } : {}), requestCert: requireCert, rejectUnauthorized: requireCert }, onRequest);
      this.#server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
        this.#options.tlsError?.(remoteOf(socket), `TLS handshake failed: ${err.code ?? ''} ${err.message}`.trim());
        socket.destroy();
      });
    }
    this.#server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.#options.upgrade !== undefined) this.#options.upgrade(req, socket, head);
      else rejectUpgrade(socket, 404, 'Not Found');
    });
    this.#server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.#onClientError(err, socket));
    const limit = options.connectionLimit;
    if (limit !== undefined) {
      this.#server.on('connection', (socket: Socket) => {
        const address = socket.remoteAddress ?? 'unknown';
        if (!limit.open(address)) {
          socket.destroy();
          options.refusedConnection?.(remoteOf(socket), `closed a connection from ${address}: it already has ${limit.max} open (the limit per address)`);
          return;
        }
        socket.once('close', () => limit.close(address));
      });
    }
  }

  /** The underlying Node server (for tests and tools). */
  get server(): http.Server | https.Server {
    return this.#server;
  }

  listen(): Promise<Address> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.#server.once('error', onError);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', onError);
        const info = this.#server.address() as AddressInfo;
        resolve({ host: this.#options.host, port: info.port });
      });
    });
  }

  /** Stops listening and destroys every HTTP connection, idle or streaming (streams see `onClose`). */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      if (!this.#server.listening) {
        resolve();
        return;
      }
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  #onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    const code = err.code ?? '';
    if (code.startsWith('HPE_')) {
      const remote = remoteOf(socket);
      this.#options.badRequest?.(remote, `malformed HTTP request (${code})`);
      if (socket.writable) {
        const status = code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
        endSocket(socket, `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
    }
    socket.destroy();
  }

  #onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.#maxBodyBytes) {
      tooLarge(res, this.#maxBodyBytes);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > this.#maxBodyBytes) {
        refused = true;
        chunks.length = 0;
        tooLarge(res, this.#maxBodyBytes);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      this.#serve(req, res, body);
    });
    req.on('error', () => res.destroy());
  }

  #serve(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let path: string;
    try {
      path = decodeURIComponent(q < 0 ? url : url.slice(0, q));
    } catch {
      writeWhole(res, { status: 400, body: `Malformed path ${JSON.stringify(url)}\n` });
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const request: HttpRequest = {
      method: req.method ?? 'GET',
      path,
      query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
      headers,
      body,
      remoteAddress: remoteOf(req.socket),
    };
    let pending: Promise<HttpResponse>;
    try {
      pending = this.#options.handler(request);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (response) => writeResponse(res, response, this.#streamLimits),
      (err: unknown) => writeWhole(res, { status: 500, body: `Internal error: ${err instanceof Error ? err.message : String(err)}\n` }),
    );
  }
}

interface StreamLimits {
  readonly maxUnsentBytes: number;
  readonly slowClient: (remoteAddress: string, detail: string) => void;
}

function writeResponse(res: http.ServerResponse, response: HttpResponse, limits: StreamLimits): void {
  if (res.destroyed || res.writableEnded) return;
  if ('stream' in response) writeStream(res, response, limits);
  else writeWhole(res, response);
}

function writeWhole(res: http.ServerResponse, response: { status: number; headers?: Readonly<Record<string, string>>; body?: unknown }): void {
  if (res.destroyed || res.writableEnded) return;
  const headers: Record<string, string> = { ...response.headers };
  let payload: string | Uint8Array;
  const body = response.body;
  if (body === undefined) payload = '';
  else if (typeof body === 'string') {
    payload = body;
    setDefault(headers, 'content-type', 'text/plain; charset=utf-8');
  } else if (body instanceof Uint8Array) {
    payload = body;
    setDefault(headers, 'content-type', 'application/octet-stream');
  } else {
    payload = JSON.stringify(body) ?? '';
    setDefault(headers, 'content-type', 'application/json');
  }
  headers['content-length'] = String(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length);
  try {
    res.writeHead(response.status, headers);
    res.end(payload);
  } catch (err) {
    // Invalid status or header value from a route: answer 500 if the head is still ours to write.
    if (!res.headersSent) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`Internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    } else res.destroy();
  }
}

function writeStream(res: http.ServerResponse, response: { status: number; headers?: Readonly<Record<string, string>>; stream: (writer: ChunkWriter) => void }, limits: StreamLimits): void {
  const headers: Record<string, string> = { ...response.headers };
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    // The body length is unknown: chunked transfer-encoding, which Node adds itself.
    if (lower === 'content-length' || lower === 'transfer-encoding') delete headers[name];
  }
  try {
    res.writeHead(response.status, headers);
  } catch (err) {
    writeWhole(res, { status: 500, body: `Internal error: ${err instanceof Error ? err.message : String(err)}\n` });
    return;
  }
  res.flushHeaders();
  const writer = new ResponseWriter(res, limits);
  try {
    response.stream(writer);
  } catch {
    writer.abort();
  }
}

/** Each `write` is one `res.write`, which Node sends as exactly one chunk of the chunked body. */
class ResponseWriter implements ChunkWriter {
  readonly #res: http.ServerResponse;
  readonly #limits: StreamLimits;
  #closed = false;
  #onClose: Array<() => void> = [];

  constructor(res: http.ServerResponse, limits: StreamLimits) {
    this.#res = res;
    this.#limits = limits;
    res.on('close', () => this.#close());
  }

  get closed(): boolean {
    return this.#closed;
  }

  get buffered(): number {
    return this.#closed ? 0 : this.#res.writableLength;
  }

  write(chunk: string | Buffer): void {
    if (this.#closed) return;
    // An empty chunk would end a chunked body: skip it.
    if (chunk.length === 0) return;
    const unsent = this.#res.writableLength;
    if (unsent > this.#limits.maxUnsentBytes) {
      // The client does not read: holding more for it would grow without bound.
      const remote = remoteOf(this.#res.socket ?? this.#res.req.socket);
      this.abort();
      this.#limits.slowClient(remote, `cut off a streaming response to ${remote}: ${unsent} bytes unsent (limit ${this.#limits.maxUnsentBytes}), the client does not read`);
      return;
    }
    this.#res.write(chunk);
  }

  drained(): Promise<void> {
    if (this.#closed || !this.#res.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#res.off('drain', done);
        this.#res.off('close', done);
        resolve();
      };
      this.#res.on('drain', done);
      this.#res.on('close', done);
    });
  }

  end(): void {
    if (this.#closed) return;
    this.#res.end();
    this.#close();
  }

  /** The route's stream function threw: cut the response (the client sees an incomplete body). */
  abort(): void {
    this.#res.destroy();
    this.#close();
  }

  onClose(fn: () => void): void {
    if (this.#closed) queueMicrotask(fn);
    else this.#onClose.push(fn);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const fns = this.#onClose;
    this.#onClose = [];
    for (const fn of fns) {
      try {
        fn();
      } catch {
        // A close callback must not break the server.
      }
    }
  }
}

function tooLarge(res: http.ServerResponse, limit: number): void {
  res.shouldKeepAlive = false;
  writeWhole(res, { status: 413, headers: { connection: 'close' }, body: `Request body larger than ${limit} bytes\n` });
}

function setDefault(headers: Record<string, string>, name: string, value: string): void {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return;
  headers[name] = value;
}

/** Answers a refused upgrade with a minimal HTTP response and closes the socket. */
export function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  if (socket.writable) endSocket(socket, `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  else socket.destroy();
}

/** Writes a last message and destroys the socket once it has been handed to the kernel. */
function endSocket(socket: Duplex, last: string): void {
  socket.once('finish', () => socket.destroy());
  socket.once('error', () => socket.destroy());
  socket.end(last);
}

/** `host:port` of the other end of a socket, or `unknown`. */
export function remoteOf(socket: Duplex): string {
  const s = socket as Duplex & { remoteAddress?: string; remotePort?: number };
  if (s.remoteAddress === undefined) return 'unknown';
  const host = s.remoteAddress.includes(':') ? `[${s.remoteAddress}]` : s.remoteAddress;
  return `${host}:${s.remotePort ?? 0}`;
}
