// Bad input at the frame level, each case sent over a raw socket (a raw `ws`
// client or raw TCP): counted through badInput with the peer's address,
// dropped, and the runtime keeps serving a well-formed peer afterwards.
import { describe, test, expect, afterEach, beforeEach } from '@jest/globals';
import * as net from 'node:net';
import { pack } from 'msgpackr';
import { WebSocket } from 'ws';
import { encodeFrame } from '../src/codec.js';
import { LIBPROCESS_PATH, PEER_HEADER, WsTransport } from '../src/ws-transport.js';
import { Recorder, env, realClock, silentLogger } from './helpers/ws-harness.js';

let server: WsTransport;
let ev: Recorder;
let addr: string;
let good: WsTransport;
let goodEv: Recorder;
let goodAddr: string;
let goodCount = 0;

beforeEach(async () => {
  server = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: silentLogger, maxFrameBytes: 4096 });
  ev = new Recorder();
  const a = await server.start(ev);
  addr = `${a.host}:${a.port}`;
  good = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: silentLogger });
  goodEv = new Recorder();
  const g = await good.start(goodEv);
  goodAddr = `${g.host}:${g.port}`;
  goodCount = 0;
});

afterEach(async () => {
  await Promise.all([server.stop(), good.stop()]);
});

/** A well-formed peer still gets its messages through, and replies reach it. */
async function stillServing(): Promise<void> {
  goodCount++;
  good.send(addr, env(`p@${addr}`, `q@${goodAddr}`, 'ok', goodCount));
  await ev.until(() => ev.messages.filter((m) => m.name === 'ok').length === goodCount);
  server.send(goodAddr, env(`q@${goodAddr}`, `p@${addr}`, 'back', goodCount));
  await goodEv.until(() => goodEv.messages.length === goodCount);
}

async function rawPeer(peerAddr = '127.0.0.1:7'): Promise<WebSocket> {
  const ws = new WebSocket(`ws://${addr}${LIBPROCESS_PATH}`, { headers: { [PEER_HEADER]: peerAddr } });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code: number) => resolve(code)));
}

/** The status of a refused upgrade. */
function upgradeStatus(ws: WebSocket): Promise<number> {
  ws.on('error', () => {});
  return new Promise((resolve) => ws.once('unexpected-response', (_req, res) => {
    resolve(res.statusCode ?? 0);
    ws.terminate();
  }));
}

async function rawTcp(bytes: string | Buffer): Promise<string> {
  const sock = net.connect(Number(addr.split(':')[1]), '127.0.0.1');
  const chunks: Buffer[] = [];
  sock.on('data', (c: Buffer) => chunks.push(c));
  sock.on('error', () => {});
  sock.write(bytes);
  await new Promise((r) => sock.once('close', r));
  return Buffer.concat(chunks).toString('latin1');
}

describe('bad frames on a libprocess connection', () => {
  const undecodable: Array<[string, Buffer]> = [
    ['garbage bytes', Buffer.from([0xc1, 0xff, 0x00, 0x13])],
    ['msgpack of the wrong shape (a map)', pack({ to: 'p', from: 'q', name: 'n', body: 1 })],
    ['an array of 3', pack(['p@h:1', 'q@h:2', 'n'])],
    ['a non-string name', pack(['p@h:1', 'q@h:2', 42, null])],
    ['truncated msgpack', encodeFrame([env('p@h:1', 'q@h:2', 'n', 'body')]).subarray(0, 10) as Buffer],
  ];

  test.each(undecodable)('%s: counted as bad_frame with the peer address, dropped, connection kept', async (_label, bytes) => {
    const raw = await rawPeer();
    raw.send(bytes);
    await ev.until(() => ev.bad.length === 1);
    expect(ev.bad[0]).toMatchObject({ kind: 'bad_frame', peer: '127.0.0.1:7' });
    expect(ev.messages).toEqual([]);
    // The same connection still carries good frames.
    raw.send(encodeFrame([env(`p@${addr}`, 'raw@127.0.0.1:7', 'after', 1)]));
    await ev.until(() => ev.messages.length === 1);
    expect(ev.frames[0]).toMatchObject({ peer: '127.0.0.1:7', messages: [{ name: 'after' }] });
    await stillServing();
    raw.close();
    await closed(raw);
  });

  test('a text frame: bad_frame, connection kept', async () => {
    const raw = await rawPeer();
    raw.send('["p@h:1","q@h:2","n",1]');
    await ev.until(() => ev.bad.length === 1);
    expect(ev.bad[0]!.detail).toMatch(/text frame/);
    await stillServing();
    raw.close();
  });

  test('an oversized frame: oversized_frame, that connection closed (1009), others unaffected', async () => {
    const raw = await rawPeer();
    const code = closed(raw);
    raw.send(Buffer.alloc(5000));
    await ev.until(() => ev.bad.length === 1);
    expect(ev.bad[0]).toMatchObject({ kind: 'oversized_frame', peer: '127.0.0.1:7' });
    expect(await code).toBe(1009);
    await ev.until(() => ev.downs.includes('127.0.0.1:7'));
    await stillServing();
    expect(server.metrics()['oversized_frames']).toBe(1);
  });

  test('a WebSocket protocol violation (unmasked client frame) closes that connection only', async () => {
    // Handshake by hand, then send an unmasked binary frame (clients must mask).
    const sock = net.connect(Number(addr.split(':')[1]), '127.0.0.1');
    sock.on('error', () => {});
    let head = '';
    sock.on('data', (c: Buffer) => (head += c.toString('latin1')));
    sock.write(`GET ${LIBPROCESS_PATH} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
      + `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${PEER_HEADER}: 127.0.0.1:8\r\n\r\n`);
    await new Promise<void>((resolve) => {
      const check = (): void => (head.includes('\r\n\r\n') ? resolve() : void sock.once('data', check));
      check();
    });
    expect(head).toMatch(/^HTTP\/1.1 101/);
    sock.write(Buffer.from([0x82, 0x01, 0x00]));
    await ev.until(() => ev.bad.length === 1);
    expect(ev.bad[0]).toMatchObject({ kind: 'bad_frame', peer: '127.0.0.1:8' });
    expect(ev.bad[0]!.detail).toMatch(/MASK/);
    await new Promise((r) => (sock.destroyed ? r(null) : sock.once('close', r)));
    await stillServing();
  });
});

describe('bad requests on the port', () => {
  test('a libprocess upgrade without the peer header: 400 and bad_frame', async () => {
    const ws = new WebSocket(`ws://${addr}${LIBPROCESS_PATH}`);
    const status = await upgradeStatus(ws);
    expect(status).toBe(400);
    expect(ev.bad[0]).toMatchObject({ kind: 'bad_frame' });
    expect(ev.bad[0]!.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    await stillServing();
  });

  test('a peer header that is not an address: 400 and bad_frame', async () => {
    const ws = new WebSocket(`ws://${addr}${LIBPROCESS_PATH}`, { headers: { [PEER_HEADER]: 'not an address' } });
    const status = await upgradeStatus(ws);
    expect(status).toBe(400);
    expect(ev.bad).toHaveLength(1);
    await stillServing();
  });

  test('a WebSocket upgrade on another path: 404, not counted', async () => {
    const ws = new WebSocket(`ws://${addr}/elsewhere`, { headers: { [PEER_HEADER]: '127.0.0.1:9' } });
    const status = await upgradeStatus(ws);
    expect(status).toBe(404);
    expect(ev.bad).toEqual([]);
    await stillServing();
  });

  test('a broken WebSocket handshake (no key): 400 and bad_frame', async () => {
    const reply = await rawTcp(`GET ${LIBPROCESS_PATH} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${PEER_HEADER}: 127.0.0.1:9\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1.1 400/);
    expect(ev.bad[0]).toMatchObject({ kind: 'bad_frame' });
    await stillServing();
  });

  test('non-HTTP garbage over raw TCP: 400, bad_frame with the client address', async () => {
    const reply = await rawTcp(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a]));
    expect(reply).toMatch(/^HTTP\/1.1 400/);
    expect(ev.bad).toHaveLength(1);
    expect(ev.bad[0]!.kind).toBe('bad_frame');
    expect(ev.bad[0]!.detail).toMatch(/malformed HTTP request \(HPE_/);
    expect(ev.bad[0]!.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    await stillServing();
  });
});
