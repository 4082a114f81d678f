// Reconnection never delivers a message twice: the connection between two runtimes is cut again
// and again (a proxy between them destroys both sockets, as a reset or a keepalive timeout
// would) while numbered messages flow. What was written into a dying connection may be lost
// (at most once: the protocols above retry what must arrive); nothing arrives twice or out of
// order, and what is sent after a reconnection arrives.
import { afterEach, describe, expect, test } from '@jest/globals';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { WsTransport } from '../src/ws-transport.js';
import { Recorder, env, eventually, realClock, silentLogger } from './helpers/ws-harness.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

/** A TCP proxy to `target` whose connections `cut()` destroys at once. */
async function proxy(target: number): Promise<{ port: number; cut: () => number }> {
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  stops.push(() => new Promise<void>((r) => server.close(() => r())));
  return {
    port: (server.address() as { port: number }).port,
    cut: () => {
      const n = pairs.size;
      for (const [a, b] of [...pairs]) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
      return n;
    },
  };
}

async function transport(): Promise<{ t: WsTransport; ev: Recorder; port: number }> {
  const t = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: silentLogger, backoffInitialMs: 5, backoffMaxMs: 20 });
  stops.push(() => t.stop());
  const ev = new Recorder();
  const a = await t.start(ev);
  return { t, ev, port: a.port };
}

describe('WsTransport reconnection', () => {
  test('connections cut while messages flow: none delivered twice or out of order, the last all delivered', async () => {
    const a = await transport();
    const b = await transport();
    const p = await proxy(b.port);
    const to = `127.0.0.1:${p.port}`;
    let cuts = 0;
    let n = 0;
    for (let round = 0; round < 20; round++) {
      for (let tick = 0; tick < 5; tick++) {
        for (let i = 0; i < 20; i++) a.t.send(to, env(`p@${to}`, `q@127.0.0.1:${a.port}`, 'n', n++));
        await new Promise((r) => setImmediate(r));
      }
      cuts += p.cut();
    }
    // One more cut, once a connection is open again, and A has seen it go (so it cannot write into it).
    // (Probes until one arrives: one written into a connection being cut may be lost.)
    let probes = 0;
    await eventually(() => {
      if (b.ev.messages.some((m) => m.name === 'probe')) return true;
      a.t.send(to, env(`p@${to}`, `q@127.0.0.1:${a.port}`, 'probe', probes++));
      return false;
    }, 'reconnected');
    const downs = a.ev.downs.length;
    cuts += p.cut();
    await a.ev.until(() => a.ev.downs.length > downs);
    // These go on a new connection and must all arrive.
    const last = n;
    for (let i = 0; i < 50; i++) a.t.send(to, env(`p@${to}`, `q@127.0.0.1:${a.port}`, 'n', n++));
    await b.ev.until(() => b.ev.messages.some((m) => m.body === n - 1));
    const got = b.ev.messages.filter((m) => m.name === 'n').map((m) => m.body as number);
    expect(cuts).toBeGreaterThan(1);
    expect(new Set(got).size).toBe(got.length);
    expect(got).toEqual([...got].sort((x, y) => x - y));
    expect(got.filter((x) => x >= last)).toEqual([...Array(50).keys()].map((i) => last + i));
    expect(a.t.metrics()['reconnects']).toBeGreaterThan(0);
  });
});
