// TLS on a runtime's port: wss:// between runtimes and HTTPS for clients,
// with and without mutual TLS (LIBPROCESS_SSL_REQUIRE_CERT). Certificates are
// made with the openssl CLI in a temp dir.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import * as https from 'node:https';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { tlsFromEnv } from '../src/tls.js';
import { LIBPROCESS_PATH, PEER_HEADER, WsTransport, type WsTransportOptions } from '../src/ws-transport.js';
import { makeCerts, type Certs } from './helpers/certs.js';
import { Recorder, env, realClock, silentLogger } from './helpers/ws-harness.js';

let certs: Certs;
beforeAll(() => {
  certs = makeCerts();
});
afterAll(() => certs.remove());

const running: WsTransport[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop()));
});

async function start(options: Partial<WsTransportOptions> = {}): Promise<{ t: WsTransport; ev: Recorder; addr: string }> {
  const t = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: silentLogger, ...options });
  running.push(t);
  const ev = new Recorder();
  ev.httpHandler = async (req) => ({ status: 200, body: { path: req.path } });
  const a = await t.start(ev);
  return { t, ev, addr: `${a.host}:${a.port}` };
}

function httpsGet(addr: string, options: https.RequestOptions): Promise<{ status: number; body: string }> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const req = https.get({ host, port: Number(port), path: '/hello', ...options }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** A raw wss client: resolves 'open' or the error's code/message. */
function rawWss(addr: string, options: Record<string, unknown>): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`wss://${addr}${LIBPROCESS_PATH}`, { headers: { [PEER_HEADER]: '127.0.0.1:9' }, ...options });
    ws.on('open', () => {
      ws.terminate();
      resolve('open');
    });
    ws.on('error', (err: Error & { code?: string }) => resolve(err.code ?? err.message));
  });
}

describe('TLS', () => {
  test('two runtimes with certificates from one CA talk over wss://, with mutual TLS; HTTPS serves clients that show a certificate', async () => {
    const tls = { cert: certs.cert, key: certs.key, ca: certs.ca, requireCert: true };
    const a = await start({ tls });
    const b = await start({ tls: { ...tls, cert: certs.cert2, key: certs.key2 } });
    a.t.send(b.addr, env(`m@${b.addr}`, `s@${a.addr}`, 'hello', 1));
    await b.ev.until(() => b.ev.messages.length === 1);
    b.t.send(a.addr, env(`s@${a.addr}`, `m@${b.addr}`, 'back', 2));
    await a.ev.until(() => a.ev.messages.length === 1);
    const res = await httpsGet(a.addr, { ca: certs.ca, cert: certs.cert2, key: certs.key2 });
    expect(res).toEqual({ status: 200, body: '{"path":"/hello"}' });
    // Without a secret, mutual TLS names the runtimes: each end is the CN of the certificate it showed.
    expect(a.t.principal).toBe('node');
    expect(b.ev.ups).toEqual([{ peer: a.addr, principal: 'node' }]);
    expect(a.ev.ups).toEqual([{ peer: b.addr, principal: 'node2' }]);
  });

  test("under mutual TLS, a client with another certificate claiming a live peer's address is refused (4403)", async () => {
    const tls = { cert: certs.cert, key: certs.key, ca: certs.ca, requireCert: true };
    const a = await start({ tls });
    const b = await start({ tls: { ...tls, cert: certs.cert2, key: certs.key2 } });
    a.t.send(b.addr, env(`m@${b.addr}`, `s@${a.addr}`, 'hello', 1));
    await b.ev.until(() => b.ev.messages.length === 1);
    const code = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`wss://${b.addr}${LIBPROCESS_PATH}`, { headers: { [PEER_HEADER]: a.addr }, ca: certs.ca, cert: certs.cert2, key: certs.key2 });
      ws.on('close', (c) => resolve(c));
      ws.on('error', () => {});
    });
    expect(code).toBe(4403);
    expect(b.t.metrics()['hijacks_refused']).toBe(1);
    a.t.send(b.addr, env(`m@${b.addr}`, `s@${a.addr}`, 'hello', 2));
    await b.ev.until(() => b.ev.messages.length === 2);
  });

  test('with LIBPROCESS_SSL_REQUIRE_CERT a client without a certificate, or with one from another CA, fails the TLS handshake (counted)', async () => {
    const a = await start({ tls: { cert: certs.cert, key: certs.key, ca: certs.ca, requireCert: true } });
    expect(await rawWss(a.addr, { ca: certs.ca })).not.toBe('open');
    expect(await rawWss(a.addr, { ca: certs.ca, cert: certs.rogueCert, key: certs.rogueKey })).not.toBe('open');
    expect(await rawWss(a.addr, { ca: certs.ca, cert: certs.cert2, key: certs.key2 })).toBe('open');
    await a.ev.until(() => a.t.metrics()['tls_failures'] === 2);
    expect(a.ev.bad.filter((x) => x.kind === 'auth_failure')).toHaveLength(2);
  });

  test('without REQUIRE_CERT a client needs no certificate; a runtime does not trust a server whose certificate chains to no CA it knows', async () => {
    const a = await start({ tls: { cert: certs.cert, key: certs.key, ca: certs.ca } });
    expect(await rawWss(a.addr, { ca: certs.ca })).toBe('open');
    const rogue = await start({ tls: { cert: certs.rogueCert, key: certs.rogueKey } });
    a.t.send(rogue.addr, env(`m@${rogue.addr}`, `s@${a.addr}`, 'hello', 1));
    await a.ev.until(() => a.ev.downs.length === 1);
    expect(rogue.ev.messages).toEqual([]);
  });

  test("tlsFromEnv reads Mesos's LIBPROCESS_SSL_* settings and names what is wrong", () => {
    const files = { cert: join(certs.dir, 'node.pem'), key: join(certs.dir, 'node.key'), ca: join(certs.dir, 'ca.pem') };
    expect(tlsFromEnv({})).toBeUndefined();
    expect(tlsFromEnv({ LIBPROCESS_SSL_ENABLED: 'false', LIBPROCESS_SSL_CERT_FILE: files.cert })).toBeUndefined();
    const got = tlsFromEnv({ LIBPROCESS_SSL_ENABLED: 'true', LIBPROCESS_SSL_CERT_FILE: files.cert, LIBPROCESS_SSL_KEY_FILE: files.key, LIBPROCESS_SSL_CA_FILE: files.ca, LIBPROCESS_SSL_REQUIRE_CERT: '1' });
    expect(got?.requireCert).toBe(true);
    expect(got?.cert.toString()).toBe(certs.cert.toString());
    expect(() => tlsFromEnv({ LIBPROCESS_SSL_ENABLED: 'true' })).toThrow(/LIBPROCESS_SSL_CERT_FILE/);
    expect(() => tlsFromEnv({ LIBPROCESS_SSL_ENABLED: 'maybe' })).toThrow(/LIBPROCESS_SSL_ENABLED="maybe"/);
    expect(() => tlsFromEnv({ LIBPROCESS_SSL_ENABLED: '1', LIBPROCESS_SSL_CERT_FILE: files.cert, LIBPROCESS_SSL_KEY_FILE: join(certs.dir, 'nope') })).toThrow(/LIBPROCESS_SSL_KEY_FILE=.*nope: cannot be read/);
    expect(() => tlsFromEnv({ LIBPROCESS_SSL_ENABLED: '1', LIBPROCESS_SSL_CERT_FILE: files.cert, LIBPROCESS_SSL_KEY_FILE: files.key, LIBPROCESS_SSL_REQUIRE_CERT: 'true' })).toThrow(/needs LIBPROCESS_SSL_CA_FILE/);
  });
});
