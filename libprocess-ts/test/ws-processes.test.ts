// The WebSocket transport between real OS processes: traffic, a peer killed
// with SIGKILL, and a peer restarted on the same port.
import { describe, test, expect, afterEach } from '@jest/globals';
import * as http from 'node:http';
import { WsTransport } from '../src/ws-transport.js';
import { Recorder, env, realClock, silentLogger } from './helpers/ws-harness.js';
import { kill, startFixture } from './helpers/child.js';
import type { Child } from './helpers/child.js';

const children: Child[] = [];
const transports: WsTransport[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => kill(c)));
  await Promise.all(transports.splice(0).map((t) => t.stop()));
});

async function local(): Promise<{ t: WsTransport; ev: Recorder; addr: string }> {
  const t = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: silentLogger });
  transports.push(t);
  const ev = new Recorder();
  const a = await t.start(ev);
  return { t, ev, addr: `${a.host}:${a.port}` };
}

async function echoPeer(port = 0): Promise<{ child: Child; addr: string }> {
  const child = await startFixture('ws-echo-peer.ts', [String(port)]);
  children.push(child);
  return { child, addr: child.hello['address'] as string };
}

describe('two OS processes over real sockets', () => {
  test('messages go out and come back in order, many per frame', async () => {
    const me = await local();
    const peer = await echoPeer();
    for (let i = 0; i < 2000; i++) me.t.send(peer.addr, env(`echo@${peer.addr}`, `me@${me.addr}`, 'n', { i }));
    await me.ev.until(() => me.ev.messages.length === 2000);
    expect(me.ev.messages.map((m) => (m.body as { i: number }).i)).toEqual([...Array(2000).keys()]);
    expect(me.ev.messages[0]).toEqual(env(`me@${me.addr}`, `echo@${peer.addr}`, 'echo:n', { i: 0 }));
    expect(new Set(me.ev.frames.map((f) => f.peer))).toEqual(new Set([peer.addr]));
    expect(me.ev.frames.length).toBeLessThan(10);
    // The same port serves HTTP.
    const body = await new Promise<string>((resolve, reject) => {
      http.get(`http://${peer.addr}/some/path`, (res) => {
        let s = '';
        res.on('data', (c: Buffer) => (s += c.toString()));
        res.on('end', () => resolve(s));
      }).on('error', reject);
    });
    expect(JSON.parse(body)).toEqual({ pid: peer.child.proc.pid, path: '/some/path' });
  });

  test('a peer killed with SIGKILL is reported down', async () => {
    const me = await local();
    const peer = await echoPeer();
    me.t.send(peer.addr, env(`echo@${peer.addr}`, `me@${me.addr}`, 'hello'));
    await me.ev.until(() => me.ev.messages.length === 1);
    await kill(peer.child, 'SIGKILL');
    await me.ev.until(() => me.ev.downs.length === 1);
    expect(me.ev.downs).toEqual([peer.addr]);
  });

  test('after the peer restarts on the same port, traffic flows again', async () => {
    const me = await local();
    const first = await echoPeer();
    me.t.send(first.addr, env(`echo@${first.addr}`, `me@${me.addr}`, 'one'));
    await me.ev.until(() => me.ev.messages.length === 1);
    await kill(first.child, 'SIGKILL');
    await me.ev.until(() => me.ev.downs.length === 1);

    const port = Number(first.addr.split(':')[1]);
    const second = await echoPeer(port);
    expect(second.addr).toBe(first.addr);
    me.t.send(second.addr, env(`echo@${second.addr}`, `me@${me.addr}`, 'two'));
    await me.ev.until(() => me.ev.messages.length === 2);
    expect(me.ev.messages[1]!.name).toBe('echo:two');
    expect(me.t.metrics()['reconnects']).toBe(1);
  });
});
