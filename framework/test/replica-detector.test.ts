// ReplicaSetDetector against real HTTP servers on loopback: a follower's 307 followed to the
// leader with the credential, the replica set learnt from /master/flags (bad entries skipped),
// then walked in turn; an unreachable master, a 503 and a master alone leave the list as it is.
import { afterAll, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReplicaSetDetector } from '../scheduler/replica-detector.js';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function serve(handler: (path: string, auth: string | undefined) => { status: number; headers?: Record<string, string>; body?: unknown }): Promise<string> {
  const server = createServer((req, res) => {
    const r = handler(req.url ?? '', req.headers.authorization);
    res.writeHead(r.status, r.headers ?? {});
    res.end(r.body === undefined ? '' : JSON.stringify(r.body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('learns the replica set through a follower, with the credential, and walks it', async () => {
  const seen: (string | undefined)[] = [];
  const leader = await serve((path, auth) => {
    seen.push(auth);
    return path === '/master/flags' ? { status: 200, body: { flags: { masters: `${follower},${leader},127.0.0.1:9,not an address` } } } : { status: 404 };
  });
  const follower = await serve(() => ({ status: 307, headers: { location: `http://${leader}/` } }));
  const d = new ReplicaSetDetector(follower, { credential: { principal: 'p', secret: 's' } });
  expect(await d.detect()).toBe(`master@${follower}`);
  expect(d.masters).toEqual([`master@${follower}`, `master@${leader}`, 'master@127.0.0.1:9']);
  expect(seen).toEqual([`Basic ${Buffer.from('p:s').toString('base64')}`]);
  expect(await d.detect(`master@${follower}`)).toBe(`master@${leader}`);
  expect(await d.detect(`master@${leader}`)).toBe('master@127.0.0.1:9'); // unreachable: still returned, the list unchanged
  expect(await d.detect('master@127.0.0.1:9')).toBe(`master@${follower}`);
  expect(d.masters).toHaveLength(3);
});

test('a 503 (election), a master alone and an unreachable one leave the list as it is', async () => {
  const electing = await serve(() => ({ status: 503 }));
  const alone = await serve(() => ({ status: 200, body: { flags: { hostname: 'x' } } }));
  for (const m of [electing, alone, '127.0.0.1:9']) {
    const d = new ReplicaSetDetector([m]);
    expect(await d.detect()).toBe(`master@${m}`);
    expect(d.masters).toEqual([`master@${m}`]);
  }
  expect(() => new ReplicaSetDetector(' , ')).toThrow('no master given');
});
