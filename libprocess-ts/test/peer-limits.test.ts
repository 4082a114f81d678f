// Per-peer bounds: the counters alone, then over real sockets: connections
// from one address beyond the limit are closed at once, and a peer flooding a
// process that cannot keep up has its messages dropped once its bytes waiting
// in mailboxes pass its budget, while another peer is served as usual and the
// flooding one is served again once its messages are handled.
import { afterEach, describe, expect, test } from '@jest/globals';
import * as http from 'node:http';
import * as net from 'node:net';
import { WebSocket } from 'ws';
import { encodeFrame } from '../src/codec.js';
import { ConnectionLimit, MailboxBudget } from '../src/peer-limits.js';
import { Process } from '../src/process.js';
import type { Handlers } from '../src/protocol.js';
import { Runtime } from '../src/runtime.js';
import { LIBPROCESS_PATH, PEER_HEADER, WsTransport } from '../src/ws-transport.js';
import { createLogger } from '../src/logging.js';
import { realClock, silentLogger } from './helpers/ws-harness.js';
import type { Timer } from '../src/clock.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

function until(what: string, check: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = realClock.now();
    let timer: Timer | undefined;
    const poll = (): void => {
      if (check()) return resolve();
      if (realClock.now() - started > 10_000) return reject(new Error(`timed out waiting for ${what}`));
      timer = realClock.timer(10, poll);
    };
    poll();
    void timer;
  });
}

describe('the counters', () => {
  test('ConnectionLimit: at most max open per address, each address on its own', () => {
    const l = new ConnectionLimit(2);
    expect([l.open('a'), l.open('a'), l.open('a'), l.open('b')]).toEqual([true, true, false, true]);
    expect(l.refused).toBe(1);
    l.close('a');
    expect(l.open('a')).toBe(true);
    expect(l.count('a')).toBe(2);
    expect(() => new ConnectionLimit(0)).toThrow('must be positive');
  });

  test('MailboxBudget: charges up to max per peer, releases give it back', () => {
    const b = new MailboxBudget(100);
    const p = b.account('p');
    expect([b.charge(p, 60), b.charge(p, 50), b.charge(b.account('q'), 100)]).toEqual([true, false, true]);
    expect(b.refused).toBe(1);
    expect(b.account('p')).toBe(p);
    b.release(p, 60);
    expect(b.queued('p')).toBe(0);
    expect(b.charge(b.account('p'), 100)).toBe(true);
  });
});

describe('over real sockets', () => {
  test('a connection beyond the limit per address is closed at once; the server keeps serving', async () => {
    const t = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: silentLogger, maxConnectionsPerAddress: 3 });
    const rt = await new Runtime({ transport: t, clock: realClock, logger: createLogger('limits', 'silent') }).start();
    stops.push(() => rt.stop());
    const port = Number(rt.address.split(':')[1]);
    const open = async (): Promise<net.Socket> => {
      const s = net.connect(port, '127.0.0.1');
      await new Promise((r) => s.once('connect', r));
      return s;
    };
    const held = [await open(), await open(), await open()];
    const extra = await open();
    await new Promise((r) => extra.once('close', r));
    expect(rt.metrics()['transport/connections_refused']).toBe(1);
    held.pop()!.destroy();
    // Once one closes, a new one (here an HTTP request) is served; until the server has seen the close, it is refused.
    const get = (): Promise<number | undefined> =>
      new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/nothing', agent: false }, (r) => {
          r.resume();
          resolve(r.statusCode);
        });
        req.on('error', () => resolve(undefined));
      });
    let status: number | undefined;
    for (let attempt = 0; attempt < 1000 && status === undefined; attempt++) status = await get();
    expect(status).toBe(404);
    for (const s of held) s.destroy();
  });

  test('a peer over its mailbox budget has messages dropped; others are served; it is served again once they are handled', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const got: string[] = [];
    class Slow extends Process<{ m: { from: string; pad: Uint8Array } }> {
      override initialize(): Promise<void> {
        return gate; // nothing is handled until the test opens the gate: messages wait in the mailbox
      }
      protected handlers(): Handlers<{ m: { from: string; pad: Uint8Array } }> {
        return { m: (b) => void got.push(b.from) };
      }
    }
    const rt = await new Runtime({
      transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: silentLogger }),
      clock: realClock,
      logger: createLogger('limits', 'silent'),
      maxMailboxBytesPerPeer: 64 * 1024,
    }).start();
    stops.push(() => rt.stop());
    const slow = rt.spawn(new Slow(), 'slow').toString();
    const peer = async (address: string): Promise<WebSocket> => {
      const ws = new WebSocket(`ws://${rt.address}${LIBPROCESS_PATH}`, { headers: { [PEER_HEADER]: address } });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      stops.push(async () => ws.terminate());
      return ws;
    };
    const flooder = await peer('127.0.0.1:7');
    const pad = new Uint8Array(4096);
    // 40 frames of about 4 KiB: about 15 fit in 64 KiB.
    for (let i = 0; i < 40; i++) flooder.send(encodeFrame([{ to: slow, from: 'f@127.0.0.1:7', name: 'm', body: { from: 'flooder', pad } }]));
    await until('the flood to arrive', () => rt.metrics().messages_received_remote === 40);
    const refused = rt.metrics().refused_peer_budget!;
    expect(refused).toBeGreaterThanOrEqual(20);
    expect(refused).toBeLessThan(40);
    // Another peer has a budget of its own.
    const other = await peer('127.0.0.1:8');
    other.send(encodeFrame([{ to: slow, from: 'o@127.0.0.1:8', name: 'm', body: { from: 'other', pad } }]));
    await until('the other message to arrive', () => rt.metrics().messages_received_remote === 41);
    expect(rt.metrics().refused_peer_budget).toBe(refused);

    open();
    await until('the queued messages to be handled', () => got.length === 40 - refused + 1);
    expect(got.filter((f) => f === 'other')).toEqual(['other']);
    // Handled messages gave their bytes back: the flooder is served again.
    for (let i = 0; i < 10; i++) flooder.send(encodeFrame([{ to: slow, from: 'f@127.0.0.1:7', name: 'm', body: { from: 'flooder', pad } }]));
    await until('the later messages to be handled', () => got.length === 40 - refused + 1 + 10);
    expect(rt.metrics().refused_peer_budget).toBe(refused);
  });
});
