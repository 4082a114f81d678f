// HTTP on the runtime's port (through WsTransport, as a runtime serves it):
// parsed requests, whole responses, chunked streams read chunk by chunk.
import { describe, test, expect, afterEach, beforeEach } from '@jest/globals';
import * as http from 'node:http';
import * as net from 'node:net';
import { WsTransport } from '../src/ws-transport.js';
import type { ChunkWriter, HttpRequest } from '../src/http-types.js';
import { Recorder, realClock, silentLogger } from './helpers/ws-harness.js';

let t: WsTransport;
let ev: Recorder;
let port: number;

beforeEach(async () => {
  t = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: silentLogger, maxBodyBytes: 1000 });
  ev = new Recorder();
  port = (await t.start(ev)).port;
});
afterEach(() => t.stop());

function request(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('requests', () => {
  test('path, query, lower-case headers, body and remote address reach the handler', async () => {
    let seen: HttpRequest | undefined;
    ev.httpHandler = async (r) => {
      seen = r;
      return { status: 202, body: { ok: true } };
    };
    const res = await request('POST', '/master(1)/teardown?framework_id=f%201&x=1&x=2', '{"a":1}', { 'Content-Type': 'application/json', 'X-Thing': 'v' });
    expect(res.status).toBe(202);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({ ok: true });
    expect(seen!.method).toBe('POST');
    expect(seen!.path).toBe('/master(1)/teardown');
    expect(seen!.query.get('framework_id')).toBe('f 1');
    expect(seen!.query.getAll('x')).toEqual(['1', '2']);
    expect(seen!.headers['content-type']).toBe('application/json');
    expect(seen!.headers['x-thing']).toBe('v');
    expect(Buffer.isBuffer(seen!.body)).toBe(true);
    expect(seen!.body.toString()).toBe('{"a":1}');
    expect(seen!.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  test('percent-encoded paths are decoded; a malformed one is a 400', async () => {
    const paths: string[] = [];
    ev.httpHandler = async (r) => {
      paths.push(r.path);
      return { status: 200, body: 'x' };
    };
    expect((await request('GET', '/a%28b%29/c')).status).toBe(200);
    expect(paths).toEqual(['/a(b)/c']);
    expect((await request('GET', '/bad%zz')).status).toBe(400);
  });

  test('string, Buffer and empty bodies; custom headers kept', async () => {
    ev.httpHandler = async (r) =>
      r.path === '/s' ? { status: 200, body: 'hello\n' }
        : r.path === '/b' ? { status: 200, headers: { 'Content-Type': 'application/x-protobuf' }, body: Buffer.from([1, 2, 3]) }
          : { status: 204 };
    const s = await request('GET', '/s');
    expect([s.status, s.body, s.headers['content-type']]).toEqual([200, 'hello\n', 'text/plain; charset=utf-8']);
    const b = await request('GET', '/b');
    expect([b.status, b.headers['content-type'], b.headers['content-length']]).toEqual([200, 'application/x-protobuf', '3']);
    const e = await request('GET', '/e');
    expect([e.status, e.body]).toEqual([204, '']);
  });

  test('a body over the limit is refused with 413 before the handler runs', async () => {
    let called = 0;
    ev.httpHandler = async () => {
      called++;
      return { status: 200 };
    };
    expect((await request('POST', '/x', 'y'.repeat(1001))).status).toBe(413);
    // Chunked upload (no content-length) over the limit.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/x', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('z'.repeat(600));
      req.end('z'.repeat(600));
    });
    expect(chunked).toBe(413);
    expect(called).toBe(0);
    expect((await request('POST', '/x', 'y'.repeat(1000))).status).toBe(200);
  });

  test('a handler that throws or rejects answers 500; the server keeps serving', async () => {
    ev.httpHandler = (r) => {
      if (r.path === '/sync') throw new Error('boom');
      return r.path === '/async' ? Promise.reject(new Error('later')) : Promise.resolve({ status: 200, body: 'fine' });
    };
    expect((await request('GET', '/sync')).status).toBe(500);
    const a = await request('GET', '/async');
    expect([a.status, a.body]).toEqual([500, 'Internal error: later\n']);
    expect((await request('GET', '/ok')).body).toBe('fine');
  });
});

/** Reads a chunked response from a raw socket, one HTTP chunk at a time. */
class ChunkReader {
  #buf = '';
  #wake: (() => void) | undefined;
  #ended = false;
  constructor(readonly sock: net.Socket) {
    sock.on('data', (c: Buffer) => {
      this.#buf += c.toString('latin1');
      this.#wake?.();
    });
    sock.on('close', () => {
      this.#ended = true;
      this.#wake?.();
    });
  }
  async #need(pred: () => boolean): Promise<void> {
    while (!pred()) {
      if (this.#ended) throw new Error(`socket closed; buffer ${JSON.stringify(this.#buf)}`);
      await new Promise<void>((r) => (this.#wake = r));
    }
  }
  async head(): Promise<string> {
    await this.#need(() => this.#buf.includes('\r\n\r\n'));
    const i = this.#buf.indexOf('\r\n\r\n');
    const head = this.#buf.slice(0, i);
    this.#buf = this.#buf.slice(i + 4);
    return head;
  }
  /** The next chunk's payload ('' for the last chunk). */
  async chunk(): Promise<string> {
    await this.#need(() => this.#buf.includes('\r\n'));
    const size = parseInt(this.#buf.slice(0, this.#buf.indexOf('\r\n')), 16);
    const start = this.#buf.indexOf('\r\n') + 2;
    await this.#need(() => this.#buf.length >= start + size + 2);
    const data = this.#buf.slice(start, start + size);
    expect(this.#buf.slice(start + size, start + size + 2)).toBe('\r\n');
    this.#buf = this.#buf.slice(start + size + 2);
    return data;
  }
}

describe('streaming responses', () => {
  test('each write is exactly one HTTP chunk, sent as it is written', async () => {
    let writer!: ChunkWriter;
    const opened = new Promise<void>((resolve) => {
      ev.httpHandler = async () => ({
        status: 200,
        headers: { 'Content-Type': 'application/recordio', 'Content-Length': '999' },
        stream: (w) => {
          writer = w;
          resolve();
        },
      });
    });
    const sock = net.connect(port, '127.0.0.1');
    const reader = new ChunkReader(sock);
    sock.write('POST /api/v1/scheduler HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}');
    await opened;
    const head = await reader.head();
    expect(head).toMatch(/^HTTP\/1.1 200/);
    expect(head.toLowerCase()).toContain('transfer-encoding: chunked');
    expect(head.toLowerCase()).not.toContain('content-length');
    expect(head.toLowerCase()).not.toContain('content-encoding');

    writer.write('20\n{"type":"SUBSCRIBED"}  ');
    expect(await reader.chunk()).toBe('20\n{"type":"SUBSCRIBED"}  ');
    writer.write(Buffer.from('11\n{"type":"HEARTBEAT"}'));
    writer.write('');  // ignored: an empty chunk would end the body
    writer.write('3\nabc');
    expect(await reader.chunk()).toBe('11\n{"type":"HEARTBEAT"}');
    expect(await reader.chunk()).toBe('3\nabc');
    let closedCalls = 0;
    writer.onClose(() => closedCalls++);
    writer.end();
    expect(await reader.chunk()).toBe('');
    expect(writer.closed).toBe(true);
    expect(closedCalls).toBe(1);
    sock.destroy();
  });

  test('a client that goes away closes the writer and calls onClose once', async () => {
    let writer!: ChunkWriter;
    const opened = new Promise<void>((resolve) => {
      ev.httpHandler = async () => ({ status: 200, stream: (w) => ((writer = w), resolve()) });
    });
    const req = http.get({ host: '127.0.0.1', port, path: '/stream', agent: false });
    req.on('error', () => {});
    const res = await new Promise<http.IncomingMessage>((r) => req.once('response', r));
    await opened;
    writer.write('one');
    await new Promise((r) => res.once('data', r));
    const closedNow = new Promise<void>((r) => writer.onClose(r));
    req.destroy();
    await closedNow;
    expect(writer.closed).toBe(true);
    writer.write('ignored after close');
    writer.end();
  });

  test('stop() ends open streams (onClose) and resolves', async () => {
    let writer!: ChunkWriter;
    const opened = new Promise<void>((resolve) => {
      ev.httpHandler = async () => ({ status: 200, stream: (w) => ((writer = w), resolve()) });
    });
    const req = http.get({ host: '127.0.0.1', port, path: '/stream', agent: false });
    req.on('error', () => {});
    req.on('response', (res) => res.on('error', () => {}).resume());
    await opened;
    const closedNow = new Promise<void>((r) => writer.onClose(r));
    await t.stop();
    await closedNow;
  });

  test('a stream function that throws cuts the response; the server keeps serving', async () => {
    ev.httpHandler = async (r) => (r.path === '/bad'
      ? { status: 200, stream: () => { throw new Error('no'); } }
      : { status: 200, body: 'ok' });
    const err = await new Promise<unknown>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/bad', agent: false }, (res) => {
        res.on('error', resolve);
        res.on('end', () => resolve('ended'));
        res.resume();
      });
      req.on('error', resolve);
    });
    expect(err).not.toBe('ended');
    expect((await request('GET', '/ok')).body).toBe('ok');
  });
});

describe('streaming clients that do not read', () => {
  const MiB = 1024 * 1024;
  let bounded: WsTransport;
  let events: Recorder;
  let boundedPort: number;
  beforeEach(async () => {
    bounded = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: silentLogger, maxUnsentBytes: MiB });
    events = new Recorder();
    boundedPort = (await bounded.start(events)).port;
  });
  afterEach(() => bounded.stop());

  function openStream(): { writer: Promise<ChunkWriter> } {
    return {
      writer: new Promise((resolve) => {
        events.httpHandler = async () => ({ status: 200, stream: resolve });
      }),
    };
  }

  test('are cut off once the unsent bytes pass the bound: counted, onClose called, the server keeps serving', async () => {
    const { writer: opened } = openStream();
    const sock = net.connect(boundedPort, '127.0.0.1');
    sock.pause(); // never reads
    sock.on('error', () => {});
    sock.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
    const writer = await opened;
    const closed = new Promise<void>((r) => writer.onClose(r));
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    // Far more than the socket buffers and the bound hold; the writer is cut off on the way.
    for (let i = 0; i < 4096 && !writer.closed; i++, written++) writer.write(chunk);
    await closed;
    expect(writer.closed).toBe(true);
    expect(written).toBeLessThan(4096);
    expect(bounded.metrics().slow_clients_cut).toBe(1);
    writer.write(chunk); // ignored once closed
    expect(writer.buffered).toBe(0);
    sock.destroy();
    events.httpHandler = async () => ({ status: 200, body: 'ok' });
    const res = await fetch(`http://127.0.0.1:${boundedPort}/ok`);
    expect(await res.text()).toBe('ok');
  });

  test('a client that reads gets everything, however large, when the producer waits on drained()', async () => {
    const { writer: opened } = openStream();
    const received = new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: boundedPort, path: '/events', agent: false }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => resolve(n));
        res.on('error', reject);
      }).on('error', reject);
    });
    const writer = await opened;
    const chunk = Buffer.alloc(64 * 1024, 'y');
    for (let i = 0; i < 160; i++) {
      writer.write(chunk);
      if (writer.buffered > MiB / 2) await writer.drained();
    }
    writer.end();
    expect(await received).toBe(160 * chunk.length);
    expect(bounded.metrics().slow_clients_cut).toBe(0);
  });
});
