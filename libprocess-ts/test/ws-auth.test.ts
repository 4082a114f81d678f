// The authenticated handshake over real sockets: two WsTransports with the
// same or different secrets, and raw WebSocket clients that play an attacker
// (no credentials, a wrong proof, a replayed proof, a hijack of a live address).
import { afterEach, describe, expect, test } from '@jest/globals';
import { WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import { encodeFrame } from '../src/codec.js';
import { proof, newNonce, type AuthOptions } from '../src/auth.js';
import { AUTH_PREFIX, LIBPROCESS_PATH, NONCE_HEADER, PEER_HEADER, PRINCIPAL_HEADER, PROOF_HEADER, WsTransport, type WsTransportOptions } from '../src/ws-transport.js';
import { Recorder, closedPort, env, eventually, realClock, silentLogger } from './helpers/ws-harness.js';

const running: WsTransport[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(running.splice(0).map((t) => t.stop()));
});

async function start(options: Partial<WsTransportOptions> = {}): Promise<{ t: WsTransport; ev: Recorder; addr: string }> {
  const t = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: silentLogger, ...options });
  running.push(t);
  const ev = new Recorder();
  const a = await t.start(ev);
  return { t, ev, addr: `${a.host}:${a.port}` };
}

const SECRETS = new Map([['cluster', 's3cret'], ['fw', 'fw-s3cret']]);
const cluster: AuthOptions = { principal: 'cluster', secret: 's3cret', secrets: SECRETS };

/** A raw client dialing `addr` claiming `peer`, with the given extra headers; resolves once open (or with the refusal's status). */
function rawDial(addr: string, headers: Record<string, string>): Promise<{ ws: WebSocket; res: IncomingMessage | undefined; status: number | undefined }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${addr}${LIBPROCESS_PATH}`, { headers });
    sockets.push(ws);
    let res: IncomingMessage | undefined;
    ws.on('upgrade', (r) => (res = r));
    ws.on('open', () => resolve({ ws, res, status: undefined }));
    ws.on('unexpected-response', (_req, r) => {
      resolve({ ws, res: r, status: r.statusCode });
      ws.terminate();
    });
    ws.on('error', () => {});
  });
}

describe('authenticated connections between WsTransports', () => {
  test('the same secret: messages flow both ways, each side attributes the connection to the principal', async () => {
    const a = await start({ auth: { principal: 'fw', secret: 'fw-s3cret' } });
    const b = await start({ auth: cluster });
    a.t.send(b.addr, env(`m@${b.addr}`, `s@${a.addr}`, 'hello', 1));
    await b.ev.until(() => b.ev.messages.length === 1);
    b.t.send(a.addr, env(`s@${a.addr}`, `m@${b.addr}`, 'back', 2));
    await a.ev.until(() => a.ev.messages.length === 1);
    expect(b.ev.ups).toEqual([{ peer: a.addr, principal: 'fw' }]);
    expect(a.ev.ups).toEqual([{ peer: b.addr, principal: 'fw' }]);
    expect(a.t.metrics()).toMatchObject({ connections_authenticated: 1, auth_failures: 0 });
    expect(b.t.metrics()).toMatchObject({ connections_authenticated: 1, auth_failures: 0 });
  });

  test('a wrong secret or an unknown principal: refused, counted and logged with the address; nothing delivered', async () => {
    const logs: string[] = [];
    const b = await start({ auth: cluster, logger: { warn: (m) => logs.push(m) } });
    const wrong = await start({ auth: { principal: 'fw', secret: 'guess' } });
    const unknown = await start({ auth: { principal: 'mallory', secret: 'x' } });
    wrong.t.send(b.addr, env(`m@${b.addr}`, `s@${wrong.addr}`, 'hello', 1));
    unknown.t.send(b.addr, env(`m@${b.addr}`, `s@${unknown.addr}`, 'hello', 1));
    await wrong.ev.until(() => wrong.ev.downs.length > 0);
    await unknown.ev.until(() => unknown.ev.downs.length > 0);
    await eventually(() => b.t.metrics()['auth_failures'] === 2, 'two failures counted');
    expect(b.ev.messages).toEqual([]);
    expect(b.ev.bad.map((x) => x.kind)).toEqual(['auth_failure', 'auth_failure']);
    expect(logs.some((l) => l.includes(wrong.addr) && l.includes('before proving'))).toBe(true);
    expect(logs.some((l) => l.includes(unknown.addr) && l.includes("unknown principal 'mallory'"))).toBe(true);
    // The dialer found the acceptor's proof wrong (it holds another secret) and hung up.
    expect(wrong.t.metrics()['auth_failures']).toBe(1);
  });

  test('a dialer that requires authentication refuses an acceptor that gives no proof', async () => {
    const open = await start();
    const a = await start({ auth: cluster });
    a.t.send(open.addr, env(`m@${open.addr}`, `s@${a.addr}`, 'hello', 1));
    await a.ev.until(() => a.ev.downs.length > 0);
    expect(a.t.metrics()['auth_failures']).toBe(1);
    expect(a.ev.bad[0]!.detail).toContain('gave no proof');
  });

  test('a raw client without credentials is refused with 401; with required: false it is taken, unauthenticated', async () => {
    const b = await start({ auth: cluster });
    const refused = await rawDial(b.addr, { [PEER_HEADER]: '127.0.0.1:1' });
    expect(refused.status).toBe(401);
    const lenient = await start({ auth: { ...cluster, required: false } });
    const taken = await rawDial(lenient.addr, { [PEER_HEADER]: '127.0.0.1:2' });
    expect(taken.status).toBeUndefined();
    taken.ws.send(encodeFrame([env(`m@${lenient.addr}`, 'x@127.0.0.1:2', 'hello', 1)]));
    await lenient.ev.until(() => lenient.ev.messages.length === 1);
    expect(lenient.ev.ups).toEqual([{ peer: '127.0.0.1:2', principal: undefined }]);
  });

  test('a proof from an earlier handshake does not open a new one (replay), nor does a made-up one', async () => {
    const b = await start({ auth: cluster });
    const dial = async (answer: (acceptNonce: string, dialNonce: string) => string) => {
      const dialNonce = newNonce();
      const { ws, res } = await rawDial(b.addr, { [PEER_HEADER]: '127.0.0.1:3', [PRINCIPAL_HEADER]: 'fw', [NONCE_HEADER]: dialNonce });
      const acceptNonce = String(res!.headers[NONCE_HEADER]);
      const acceptProof = String(res!.headers[PROOF_HEADER]);
      const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
      ws.send(AUTH_PREFIX + answer(acceptNonce, dialNonce));
      ws.send(encodeFrame([env(`m@${b.addr}`, 'x@127.0.0.1:3', 'hello', dialNonce)]));
      return { ws, acceptNonce, dialNonce, acceptProof, closed };
    };
    const fields = (acceptNonce: string, dialNonce: string) => ({ dialer: '127.0.0.1:3', acceptor: b.addr, principal: 'fw', dialNonce, acceptNonce });
    // A client that knows the secret: accepted, and it can check the acceptor's proof.
    const first = await dial((acceptNonce, dialNonce) => proof('fw-s3cret', 'dial', fields(acceptNonce, dialNonce)));
    expect(first.acceptProof).toBe(proof('fw-s3cret', 'accept', fields(first.acceptNonce, first.dialNonce)));
    await b.ev.until(() => b.ev.messages.length === 1);
    first.ws.close();
    await first.closed;
    // An eavesdropper replays that proof on a new connection: the acceptor's fresh nonce makes it wrong.
    const replay = await dial(() => proof('fw-s3cret', 'dial', fields(first.acceptNonce, first.dialNonce)));
    expect(await replay.closed).toBe(4401);
    const madeUp = await dial(() => 'A'.repeat(43));
    expect(await madeUp.closed).toBe(4401);
    expect(b.t.metrics()['auth_failures']).toBe(2);
    expect(b.ev.messages).toHaveLength(1);
  });

  test('a connection claiming the address of a live peer under another principal is refused (4403); the live one keeps serving', async () => {
    const b = await start({ auth: cluster });
    const a = await start({ auth: cluster });
    a.t.send(b.addr, env(`m@${b.addr}`, `slave@${a.addr}`, 'n', 1));
    await b.ev.until(() => b.ev.messages.length === 1);
    const dialNonce = newNonce();
    const { ws, res } = await rawDial(b.addr, { [PEER_HEADER]: a.addr, [PRINCIPAL_HEADER]: 'fw', [NONCE_HEADER]: dialNonce });
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.send(AUTH_PREFIX + proof('fw-s3cret', 'dial', { dialer: a.addr, acceptor: b.addr, principal: 'fw', dialNonce, acceptNonce: String(res!.headers[NONCE_HEADER]) }));
    ws.send(encodeFrame([env(`m@${b.addr}`, `slave@${a.addr}`, 'n', 666)]));
    expect(await closed).toBe(4403);
    expect(b.t.metrics()['hijacks_refused']).toBe(1);
    a.t.send(b.addr, env(`m@${b.addr}`, `slave@${a.addr}`, 'n', 2));
    b.t.send(a.addr, env(`slave@${a.addr}`, `m@${b.addr}`, 'n', 3));
    await b.ev.until(() => b.ev.messages.length === 2);
    await a.ev.until(() => a.ev.messages.length === 1);
    expect(b.ev.messages.map((m) => m.body)).toEqual([1, 2]);
    expect(b.ev.downs).toEqual([]);
  });

  test("a connection claiming the acceptor's own address is refused (403), with or without authentication", async () => {
    for (const options of [{ auth: cluster }, {}]) {
      const b = await start(options);
      const { status } = await rawDial(b.addr, { [PEER_HEADER]: b.addr, [PRINCIPAL_HEADER]: 'fw', [NONCE_HEADER]: newNonce() });
      expect(status).toBe(403);
      expect(b.t.metrics()['auth_failures']).toBe(1);
    }
  });

  test('a runtime dials a peer that knows only its own secret back as the principal that peer authenticated as', async () => {
    const fwAuth = { principal: 'fw', secret: 'fw-s3cret' };
    const master = await start({ auth: cluster });
    const fw = await start({ auth: fwAuth });
    fw.t.send(master.addr, env(`m@${master.addr}`, `s@${fw.addr}`, 'subscribe', 1));
    await master.ev.until(() => master.ev.messages.length === 1);
    // The framework's runtime restarts on the same port; the master must dial it now.
    await fw.t.stop();
    await master.ev.until(() => master.ev.downs.includes(fw.addr));
    const again = await start({ auth: fwAuth, port: Number(fw.addr.split(':')[1]) });
    master.t.send(again.addr, env(`s@${again.addr}`, `m@${master.addr}`, 'offers', 2));
    await again.ev.until(() => again.ev.messages.length === 1);
    expect(again.ev.ups).toEqual([{ peer: master.addr, principal: 'fw' }]);
    // A runtime it never met, knowing only its own secret, refuses the master's own principal.
    const stranger = await start({ auth: { principal: 'other', secret: 'o' } });
    master.t.send(stranger.addr, env(`x@${stranger.addr}`, `m@${master.addr}`, 'hello', 3));
    await master.ev.until(() => master.ev.downs.includes(stranger.addr));
    expect(stranger.ev.messages).toEqual([]);
    expect(stranger.t.metrics()['auth_failures']).toBe(1);
  });

  test('a dial to nobody still fails the usual way with authentication on', async () => {
    const a = await start({ auth: cluster });
    const port = await closedPort();
    a.t.send(`127.0.0.1:${port}`, env(`m@127.0.0.1:${port}`, `s@${a.addr}`, 'n', 1));
    await a.ev.until(() => a.ev.downs.length === 1);
    expect(a.t.metrics()['auth_failures']).toBe(0);
  });
});
