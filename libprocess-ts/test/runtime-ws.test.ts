// Runtimes over real sockets: processes in two runtimes and in two OS
// processes exchange messages, link across the wire (SIGKILL of the peer),
// reconnect after the peer restarts on the same port, serve HTTP routes, and
// keep serving after bad input sent over a raw socket. No sleeps: every wait
// is on an event.
import { describe, test, expect, afterEach } from '@jest/globals';
import * as http from 'node:http';
import { WebSocket } from 'ws';
import { pack } from 'msgpackr';
import { encodeFrame } from '../src/codec.js';
import { PID } from '../src/pid.js';
import { Process } from '../src/process.js';
import type { Handlers } from '../src/protocol.js';
import { realClock } from '../src/real-clock.js';
import { Runtime } from '../src/runtime.js';
import { LIBPROCESS_PATH, PEER_HEADER, WsTransport } from '../src/ws-transport.js';
import { clearFilters, dropMessages, futureMessage } from '../src/filters.js';
import { spawn, stopDefaultRuntime, defaultRuntime, defaultRuntimeOptions } from '../src/default-runtime.js';
import { kill, nextMessage, startFixture, type Child } from './helpers/child.js';
import { silentLogger } from './helpers/ws-harness.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const runtimes: Runtime[] = [];
const children: Child[] = [];
afterEach(async () => {
  clearFilters();
  await Promise.all(children.splice(0).map((c) => kill(c)));
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  await stopDefaultRuntime();
});

async function runtime(options: { port?: number; maxFrameBytes?: number } = {}): Promise<Runtime> {
  const transport = new WsTransport({ host: '127.0.0.1', port: options.port ?? 0, clock: realClock, logger: silentLogger, maxFrameBytes: options.maxFrameBytes, backoffInitialMs: 10, backoffMaxMs: 50 });
  const r = await new Runtime({ transport, logger: quiet as never }).start();
  runtimes.push(r);
  return r;
}

type Pong = { pong: { n: number; os_pid?: number }; watching: null };
type PingProto = { ping: { n: number }; watch: null };

/** Records what it receives; a test waits on `until`. */
class Client extends Process<Pong> {
  readonly pongs: { n: number; os_pid?: number; from: string }[] = [];
  readonly exits: string[] = [];
  watching = 0;
  #waiters: { check: () => boolean; resolve: () => void }[] = [];
  protected handlers(): Handlers<Pong> {
    return {
      pong: (body, from) => this.#poke(this.pongs.push({ ...body, from: from.toString() })),
      watching: () => this.#poke(this.watching++),
    };
  }
  override exited(pid: PID): void {
    this.exits.push(pid.toString());
    this.#poke();
  }
  ping(to: PID<PingProto> | string, n: number): void {
    this.send(typeof to === 'string' ? PID.parse<PingProto>(to) : to, 'ping', { n });
  }
  watch(to: PID<PingProto>): void {
    this.link(to);
    this.send(to, 'watch', null);
  }
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ check, resolve }));
  }
  #poke(_?: unknown): void {
    this.#waiters = this.#waiters.filter((w) => (w.check() ? (w.resolve(), false) : true));
  }
}

class Ponger extends Process<PingProto> {
  protected handlers(): Handlers<PingProto> {
    return {
      ping: ({ n }) => this.reply('pong', { n }),
      watch: (_b, from) => {
        this.link(from);
        this.reply('watching', null);
      },
    };
  }
}

async function peer(env: Record<string, string> = {}): Promise<{ child: Child; pid: PID<PingProto> }> {
  const child = await startFixture('runtime-peer.ts', [], { LIBPROCESS_IP: '127.0.0.1', LIBPROCESS_PORT: '0', ...env });
  children.push(child);
  return { child, pid: PID.parse<PingProto>(child.hello['pid'] as string) };
}

function get(url: string, init: { method?: string; body?: string } = {}): Promise<{ status: number; body: string; chunks: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let body = '';
      let chunks = 0;
      res.on('data', (c: Buffer) => {
        chunks++;
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, chunks }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('two runtimes in one OS process, over WebSocket', () => {
  test('send and reply, in order', async () => {
    const a = await runtime();
    const b = await runtime();
    const ponger = b.spawn(new Ponger(), 'ponger');
    const client = new Client();
    a.spawn(client, 'client');
    for (let n = 0; n < 500; n++) client.ping(ponger, n);
    await client.until(() => client.pongs.length === 500);
    expect(client.pongs.map((p) => p.n)).toEqual([...Array(500).keys()]);
    expect(client.pongs[0]!.from).toBe(ponger.toString());
    expect(a.metrics()['messages_sent_remote']).toBe(500);
    expect(b.metrics()['messages_received_remote']).toBe(500);
  });

  test('a link fires exited, on both sides, when a runtime stops', async () => {
    const a = await runtime();
    const b = await runtime();
    const ponger = new Ponger();
    const pongerPid = b.spawn(ponger, 'ponger');
    const client = new Client();
    a.spawn(client, 'client');
    client.watch(pongerPid);
    await client.until(() => client.watching === 1);
    // b's ponger is linked back to the client; stop b and the client learns of it.
    await b.stop();
    await client.until(() => client.exits.length === 1);
    expect(client.exits).toEqual([pongerPid.toString()]);
  });
});

describe('two OS processes', () => {
  test('the default runtime: spawn from plain code, messages both ways', async () => {
    const { child, pid } = await peer();
    const client = new Client();
    const me = await spawn(client, 'client');
    expect(me.toString()).toMatch(/^client@127\.0\.0\.1:\d+$/);
    for (let n = 0; n < 100; n++) client.ping(pid, n);
    await client.until(() => client.pongs.length === 100);
    expect(client.pongs.map((p) => p.n)).toEqual([...Array(100).keys()]);
    expect(client.pongs.every((p) => p.os_pid === child.proc.pid)).toBe(true);
  });

  test('link: exited when the peer is killed with SIGKILL, and the peer sees us go', async () => {
    const { child, pid } = await peer();
    const r = await runtime();
    const client = new Client();
    r.spawn(client, 'client');
    client.watch(pid);
    await client.until(() => client.watching === 1);
    await kill(child, 'SIGKILL');
    await client.until(() => client.exits.length === 1);
    expect(client.exits).toEqual([pid.toString()]);

    // The other direction: the child's ponger links to us; stopping our runtime tells it.
    const second = await peer();
    client.watch(second.pid);
    await client.until(() => client.watching === 1 + 1);
    const told = nextMessage(second.child);
    await r.stop();
    expect(await told).toEqual({ exited: client.pid.toString() });
  });

  test('reconnects after the peer restarts on the same port', async () => {
    const first = await peer();
    const port = first.pid.port;
    const r = await runtime();
    const client = new Client();
    r.spawn(client, 'client');
    client.watch(first.pid);
    client.ping(first.pid, 1);
    await client.until(() => client.pongs.length === 1);
    await kill(first.child, 'SIGKILL');
    await client.until(() => client.exits.length === 1);

    const second = await peer({ LIBPROCESS_PORT: String(port) });
    expect(second.pid.toString()).toBe(first.pid.toString());
    client.ping(second.pid, 2);
    await client.until(() => client.pongs.length === 2);
    expect(client.pongs[1]).toMatchObject({ n: 2, os_pid: second.child.proc.pid });
    // A new link works on the new connection.
    client.watch(second.pid);
    await client.until(() => client.watching === 2);
    await kill(second.child, 'SIGKILL');
    await client.until(() => client.exits.length === 2);
  });

  test('filters see messages that arrive over the socket', async () => {
    const { pid } = await peer();
    const r = await runtime();
    const client = new Client();
    r.spawn(client, 'client');
    const drop = dropMessages('pong', pid, client.pid);
    const seen = futureMessage('pong', pid.toString(), 'client');
    client.ping(pid, 1);
    const envelope = await seen;
    expect(envelope.body).toMatchObject({ n: 1 });
    drop.remove();
    client.ping(pid, 2);
    await client.until(() => client.pongs.length === 1);
    expect(client.pongs.map((p) => p.n)).toEqual([2]);
    expect(r.metrics()['dropped_by_filter']).toBe(1);
  });
});

describe('HTTP routes over a socket', () => {
  test('query string, JSON body, chunked stream, and a 404', async () => {
    const { pid } = await peer();
    const base = `http://${pid.address}`;
    const echo = await get(`${base}/ponger/echo?a=1&b=two`, { method: 'POST', body: JSON.stringify({ x: [1, 2] }) });
    expect(echo.status).toBe(200);
    expect(JSON.parse(echo.body)).toEqual({ method: 'POST', query: { a: '1', b: 'two' }, json: { x: [1, 2] } });

    const stream = await get(`${base}/ponger/stream?n=4`);
    expect(stream.status).toBe(200);
    expect(stream.body).toBe('chunk 0\nchunk 1\nchunk 2\nchunk 3\n');
    expect(stream.chunks).toBeGreaterThanOrEqual(2);

    expect((await get(`${base}/nobody/here`)).status).toBe(404);
  });
});

describe('bad input over a raw socket, counted in the runtime, which keeps serving', () => {
  async function raw(addr: string): Promise<WebSocket> {
    const ws = new WebSocket(`ws://${addr}${LIBPROCESS_PATH}`, { headers: { [PEER_HEADER]: '127.0.0.1:9' } });
    ws.on('error', () => {});
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return ws;
  }

  test('bad frame, unknown name, no such process, oversized frame', async () => {
    const server = await runtime({ maxFrameBytes: 4096 });
    server.spawn(new Ponger(), 'ponger');
    const addr = server.address;
    const good = await runtime();
    const client = new Client();
    good.spawn(client, 'client');
    let expected = 0;
    const stillServing = async (): Promise<void> => {
      client.ping(`ponger@${addr}`, ++expected);
      await client.until(() => client.pongs.length === expected);
    };

    // Frames on one connection are handled in order: a good ping sent last on
    // the raw socket, answered on it, proves the bad ones before it were handled.
    const ws = await raw(addr);
    let round = 0;
    const roundTrip = (): Promise<void> => {
      const answered = new Promise<void>((resolve) => ws.once('message', () => resolve()));
      ws.send(encodeFrame([{ to: `ponger@${addr}`, from: 'x@127.0.0.1:9', name: 'ping', body: { n: ++round } }]));
      return answered;
    };

    ws.send(Buffer.from([0xc1, 0xc1, 0xc1]));
    ws.send(pack({ not: 'a frame' }));
    await roundTrip();
    expect(server.metrics()['bad_frame']).toBe(2);
    await stillServing();

    ws.send(encodeFrame([{ to: `ponger@${addr}`, from: 'x@127.0.0.1:9', name: 'no-such-name', body: null }]));
    await roundTrip();
    expect(server.metrics()['unknown_message']).toBe(1);
    await stillServing();

    ws.send(encodeFrame([{ to: `nobody@${addr}`, from: 'x@127.0.0.1:9', name: 'ping', body: { n: 0 } }]));
    await roundTrip();
    expect(server.metrics()['no_such_process']).toBe(1);
    await stillServing();

    const closedWith = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    ws.send(Buffer.alloc(10_000, 1));
    expect(await closedWith).toBe(1009);
    expect(server.metrics()['oversized_frame']).toBe(1);
    await stillServing();
    expect(server.metrics()['handler_errors']).toBe(0);
  });
});

describe('default runtime options', () => {
  test('from the environment, with a clear error for a bad port', async () => {
    expect(defaultRuntimeOptions({ LIBPROCESS_IP: '0.0.0.0', LIBPROCESS_PORT: '5051', LIBPROCESS_ADVERTISE_IP: '10.0.0.2' })).toEqual({ host: '0.0.0.0', port: 5051, advertiseHost: '10.0.0.2' });
    expect(defaultRuntimeOptions({})).toEqual({ host: '127.0.0.1', port: 0 });
    expect(() => defaultRuntimeOptions({ LIBPROCESS_PORT: 'http' })).toThrow('LIBPROCESS_PORT="http": expected a port number 0-65535');
    expect(() => defaultRuntimeOptions({ LIBPROCESS_PORT: '70000' })).toThrow(/LIBPROCESS_PORT/);
    const r1 = await defaultRuntime();
    expect(await defaultRuntime()).toBe(r1);
    await stopDefaultRuntime();
    const r2 = await defaultRuntime();
    expect(r2).not.toBe(r1);
  });
});
