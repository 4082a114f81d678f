import { describe, test, expect, afterEach } from '@jest/globals';
import { WebSocket } from 'ws';
import { LIBPROCESS_PATH, PEER_HEADER, WsTransport } from '../src/ws-transport.js';
import type { WsTransportOptions } from '../src/ws-transport.js';
import { Recorder, ManualClock, closedPort, env, eventually, realClock, silentLogger } from './helpers/ws-harness.js';

const running: WsTransport[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop()));
});

async function start(options: Partial<WsTransportOptions> = {}): Promise<{ t: WsTransport; ev: Recorder; addr: string }> {
  const t = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: silentLogger, ...options });
  running.push(t);
  const ev = new Recorder();
  const a = await t.start(ev);
  return { t, ev, addr: `${a.host}:${a.port}` };
}

describe('WsTransport between two runtimes', () => {
  test('messages go both ways over the one connection the first sender dialed', async () => {
    const a = await start();
    const b = await start();
    a.t.send(b.addr, env(`pong@${b.addr}`, `ping@${a.addr}`, 'ping', { n: 1 }));
    await b.ev.until(() => b.ev.messages.length === 1);
    expect(b.ev.frames[0]).toEqual({ peer: a.addr, messages: [env(`pong@${b.addr}`, `ping@${a.addr}`, 'ping', { n: 1 })] });

    b.t.send(a.addr, env(`ping@${a.addr}`, `pong@${b.addr}`, 'pong', { n: 1 }));
    await a.ev.until(() => a.ev.messages.length === 1);
    expect(a.ev.frames[0]!.peer).toBe(b.addr);
    expect(a.t.metrics()).toMatchObject({ connections_dialed: 1, connections_accepted: 0, connections_open: 1 });
    expect(b.t.metrics()).toMatchObject({ connections_dialed: 0, connections_accepted: 1, connections_open: 1 });
  });

  test('messages sent in one tick travel as one frame, in order; later ticks keep the order', async () => {
    const a = await start();
    const b = await start();
    for (let i = 0; i < 500; i++) a.t.send(b.addr, env(`p@${b.addr}`, `q@${a.addr}`, 'n', i));
    await b.ev.until(() => b.ev.messages.length === 500);
    expect(b.ev.frames).toHaveLength(1);
    for (let tick = 0; tick < 5; tick++) {
      for (let i = 0; i < 10; i++) a.t.send(b.addr, env(`p@${b.addr}`, `q@${a.addr}`, 'n', 500 + tick * 10 + i));
      await new Promise((r) => setImmediate(r));
    }
    await b.ev.until(() => b.ev.messages.length === 550);
    expect(b.ev.messages.map((m) => m.body)).toEqual([...Array(550).keys()]);
    expect(b.ev.frames).toHaveLength(6);
    expect(a.t.metrics()).toMatchObject({ frames_sent: 6, messages_sent: 550 });
  });

  test('messages sent while connecting wait, then go in order', async () => {
    const a = await start();
    const b = await start();
    a.t.send(b.addr, env(`p@${b.addr}`, `q@${a.addr}`, 'n', 0));
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    for (let i = 1; i < 100; i++) a.t.send(b.addr, env(`p@${b.addr}`, `q@${a.addr}`, 'n', i));
    await b.ev.until(() => b.ev.messages.length === 100);
    expect(b.ev.messages.map((m) => m.body)).toEqual([...Array(100).keys()]);
  });

  test('both dialing at once: one connection survives (dialed by the lower address), nothing lost', async () => {
    for (let round = 0; round < 5; round++) {
      const a = await start();
      const b = await start();
      for (let i = 0; i < 3; i++) {
        a.t.send(b.addr, env(`p@${b.addr}`, `q@${a.addr}`, 'a', i));
        b.t.send(a.addr, env(`q@${a.addr}`, `p@${b.addr}`, 'b', i));
      }
      await a.ev.until(() => a.ev.messages.length === 3);
      await b.ev.until(() => b.ev.messages.length === 3);
      await eventually(() => a.t.metrics()['connections_open'] === 1 && b.t.metrics()['connections_open'] === 1, 'one connection');
      // The survivor carries later traffic both ways.
      a.t.send(b.addr, env(`p@${b.addr}`, `q@${a.addr}`, 'a', 3));
      b.t.send(a.addr, env(`q@${a.addr}`, `p@${b.addr}`, 'b', 3));
      await a.ev.until(() => a.ev.messages.length === 4);
      await b.ev.until(() => b.ev.messages.length === 4);
      expect(a.ev.messages.map((m) => m.body).sort()).toEqual([0, 1, 2, 3]);
      expect(b.ev.messages.map((m) => m.body).sort()).toEqual([0, 1, 2, 3]);
      expect(a.ev.downs).toEqual([]);
      expect(b.ev.downs).toEqual([]);
      expect([a.t.metrics()['connections_dialed'], b.t.metrics()['connections_dialed']]).toEqual([1, 1]);
      expect(a.t.metrics()['connections_duplicate']! + b.t.metrics()['connections_duplicate']!).toBeGreaterThanOrEqual(1);
      await Promise.all([a.t.stop(), b.t.stop()]);
    }
  });

  test('an unreachable peer: queued messages dropped and counted, peerDown reported', async () => {
    const a = await start();
    const port = await closedPort();
    const peer = `127.0.0.1:${port}`;
    a.t.send(peer, env(`x@${peer}`, `q@${a.addr}`, 'n'));
    a.t.send(peer, env(`x@${peer}`, `q@${a.addr}`, 'n'));
    await a.ev.until(() => a.ev.downs.length === 1);
    expect(a.ev.downs).toEqual([peer]);
    expect(a.t.metrics()).toMatchObject({ messages_dropped: 2, connect_failures: 1 });
  });

  test('connect() (for link) to an unreachable peer reports peerDown', async () => {
    const a = await start();
    const peer = `127.0.0.1:${await closedPort()}`;
    a.t.connect(peer);
    await a.ev.until(() => a.ev.downs.length === 1);
    expect(a.ev.downs).toEqual([peer]);
  });

  test('a peer that stops is reported down on the other side', async () => {
    const a = await start();
    const b = await start();
    a.t.connect(b.addr);
    b.t.send(a.addr, env(`q@${a.addr}`, `p@${b.addr}`, 'hello'));
    await a.ev.until(() => a.ev.messages.length === 1);
    await b.t.stop();
    await a.ev.until(() => a.ev.downs.length === 1);
    expect(a.ev.downs).toEqual([b.addr]);
    expect(b.ev.downs).toEqual([]); // no events after stop
  });

  test('reconnects when the peer comes back on the same port', async () => {
    const a = await start({ backoffInitialMs: 10 });
    const b = await start();
    const port = Number(b.addr.split(':')[1]);
    a.t.send(b.addr, env(`p@${b.addr}`, `q@${a.addr}`, 'n', 1));
    await b.ev.until(() => b.ev.messages.length === 1);
    await b.t.stop();
    await a.ev.until(() => a.ev.downs.length === 1);

    // While it is gone: dropped and reported again.
    a.t.send(b.addr, env(`p@${b.addr}`, `q@${a.addr}`, 'n', 2));
    await a.ev.until(() => a.ev.downs.length === 2);

    const b2 = await start({ port });
    expect(b2.addr).toBe(b.addr);
    // After the backoff the next send dials again and gets through.
    const got = b2.ev.until(() => b2.ev.messages.length >= 1);
    const retry = setInterval(() => a.t.send(b.addr, env(`p@${b.addr}`, `q@${a.addr}`, 'n', 3)), 5);
    await got;
    clearInterval(retry);
    expect(b2.ev.messages[0]!.body).toBe(3);
    expect(a.t.metrics()['reconnects']).toBe(1);
  });

  test('a message larger than the frame limit is dropped at the sender, the rest go', async () => {
    const a = await start({ maxFrameBytes: 1024 });
    const b = await start({ maxFrameBytes: 1024 });
    a.t.send(b.addr, env(`p@${b.addr}`, `q@${a.addr}`, 'small', 1));
    a.t.send(b.addr, env(`p@${b.addr}`, `q@${a.addr}`, 'big', 'x'.repeat(2000)));
    a.t.send(b.addr, env(`p@${b.addr}`, `q@${a.addr}`, 'small', 2));
    for (let i = 0; i < 30; i++) a.t.send(b.addr, env(`p@${b.addr}`, `q@${a.addr}`, 'mid', 'y'.repeat(100)));
    await b.ev.until(() => b.ev.messages.length === 32);
    expect(b.ev.messages.map((m) => m.name).filter((n) => n !== 'mid')).toEqual(['small', 'small']);
    expect(b.ev.frames.length).toBeGreaterThan(1); // split to fit the limit
    expect(a.t.metrics()['messages_dropped']).toBe(1);
    expect(b.ev.bad).toEqual([]);
  });

  test('a peer that stops answering pings is closed and reported down (keepalive through the clock)', async () => {
    const clock = new ManualClock();
    const a = await start({ clock, keepaliveIntervalMs: 1000 });
    // A raw peer that never answers pings (a frozen process looks like this).
    const silent = new WebSocket(`ws://${a.addr}${LIBPROCESS_PATH}`, { headers: { [PEER_HEADER]: '127.0.0.1:1' }, autoPong: false });
    const pinged = new Promise((r) => silent.once('ping', r));
    await new Promise((r) => silent.once('open', r));
    await eventually(() => a.t.metrics()['connections_open'] === 1, 'accepted');
    clock.advance(1000); // first interval: ping
    await pinged;
    clock.advance(1000); // one unanswered ping: tolerated (default keepaliveMisses 3), ping again
    clock.advance(1000); // two
    await eventually(() => a.t.metrics()['keepalive_misses'] === 2, 'two misses');
    expect(a.ev.downs).toEqual([]);
    clock.advance(1000); // the third unanswered in a row: closed
    await a.ev.until(() => a.ev.downs.length === 1);
    expect(a.ev.downs).toEqual(['127.0.0.1:1']);
    expect(a.t.metrics()['keepalive_timeouts']).toBe(1);
    await new Promise((r) => (silent.readyState === WebSocket.CLOSED ? r(null) : silent.once('close', r)));
  });

  test('keepalive: a tick far later than due (this process stalled) pings again instead of cutting the peer', async () => {
    const clock = new ManualClock();
    const a = await start({ clock, keepaliveIntervalMs: 1000 });
    const silent = new WebSocket(`ws://${a.addr}${LIBPROCESS_PATH}`, { headers: { [PEER_HEADER]: '127.0.0.1:1' }, autoPong: false });
    let pings = 0;
    silent.on('ping', () => void pings++);
    await new Promise((r) => silent.once('open', r));
    await eventually(() => a.t.metrics()['connections_open'] === 1, 'accepted');
    clock.advance(1000); // first interval: ping
    await eventually(() => pings === 1, 'first ping');
    clock.advance(5000); // our own loop was stalled for 5 intervals: its pong could be unread; ping again
    await eventually(() => pings === 2, 'second ping');
    expect(a.ev.downs).toEqual([]);
    expect(a.t.metrics()['keepalive_stalls']).toBe(1);
    clock.advance(1000); // on time now, and still no answer: a miss
    clock.advance(1000);
    expect(a.ev.downs).toEqual([]);
    clock.advance(1000); // the third on-time miss in a row: closed
    await a.ev.until(() => a.ev.downs.length === 1);
    expect(a.t.metrics()['keepalive_timeouts']).toBe(1);
    await new Promise((r) => (silent.readyState === WebSocket.CLOSED ? r(null) : silent.once('close', r)));
  });

  test('keepalive: an answer after missed pings starts the count again', async () => {
    const clock = new ManualClock();
    const a = await start({ clock, keepaliveIntervalMs: 1000, keepaliveMisses: 2 });
    const silent = new WebSocket(`ws://${a.addr}${LIBPROCESS_PATH}`, { headers: { [PEER_HEADER]: '127.0.0.1:1' }, autoPong: false });
    let pings = 0;
    silent.on('ping', () => void pings++);
    await new Promise((r) => silent.once('open', r));
    await eventually(() => a.t.metrics()['connections_open'] === 1, 'accepted');
    clock.advance(1000); // ping 1
    await eventually(() => pings === 1, 'first ping');
    clock.advance(1000); // ping 1 missed (1 of 2), ping 2
    await eventually(() => pings === 2, 'second ping');
    // A late answer: the peer is alive. Our own ping behind it comes back only once the transport has read both.
    const read = new Promise((r) => silent.once('pong', r));
    silent.pong();
    silent.ping();
    await read;
    expect(a.t.metrics()['keepalive_misses']).toBe(1);
    clock.advance(1000); // ping 2 answered: count reset, ping 3
    await eventually(() => pings === 3, 'third ping');
    clock.advance(1000); // ping 3 missed (1 of 2 again)
    await eventually(() => pings === 4, 'fourth ping');
    expect(a.ev.downs).toEqual([]);
    expect(a.t.metrics()['keepalive_misses']).toBe(2);
    clock.advance(1000); // ping 4 missed: 2 in a row, closed
    await a.ev.until(() => a.ev.downs.length === 1);
    expect(a.t.metrics()['keepalive_timeouts']).toBe(1);
    await new Promise((r) => (silent.readyState === WebSocket.CLOSED ? r(null) : silent.once('close', r)));
  });

  test('stop() with connections and dials in flight resolves and leaves no handle', async () => {
    const a = await start();
    const b = await start();
    a.t.send(b.addr, env(`p@${b.addr}`, `q@${a.addr}`, 'n'));
    await b.ev.until(() => b.ev.messages.length === 1);
    a.t.send(`127.0.0.1:${await closedPort()}`, env('x@127.0.0.1:9', `q@${a.addr}`, 'n'));
    await Promise.all([a.t.stop(), b.t.stop()]);
    expect(a.t.metrics()['connections_open']).toBe(0);
    a.t.send(b.addr, env(`p@${b.addr}`, `q@${a.addr}`, 'late'));
    expect(a.t.metrics()['messages_dropped']).toBeGreaterThanOrEqual(1);
  });
});
