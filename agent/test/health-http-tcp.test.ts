// HTTP and TCP health checks (agent/health.ts) against real servers on
// 127.0.0.1: healthy on 200-399 or the given statuses, failures counted until
// `consecutive_failures` asks for the kill, failures within the grace period
// ignored, a probe that hangs failing by its timeout.
import { afterEach, expect, test } from '@jest/globals';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { realClock } from 'libprocess-ts';
import type { HealthCheck } from '../../protocol/types.js';
import { HealthChecker, type HealthResult } from '../health.js';

const servers: (HttpServer | TcpServer)[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const host = { delay: (ms: number, fn: () => void) => realClock.timer(ms, fn), defer: <A extends unknown[]>(fn: (...a: A) => void) => fn, now: () => realClock.now(), env: {}, cwd: '/' };

function listen<S extends HttpServer | TcpServer>(server: S): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

/** Runs a checker until it asks for the kill (or `max` results); resolves with every result. */
function runUntilKill(check: HealthCheck, max = 20): Promise<HealthResult[]> {
  return new Promise((resolve) => {
    const results: HealthResult[] = [];
    const checker = new HealthChecker(check, host, (r) => {
      results.push(r);
      if (r.kill || results.length >= max) {
        checker.stop();
        resolve(results);
      }
    });
    checker.start();
  });
}

const fast = { delay_seconds: 0, interval_seconds: 0.02, timeout_seconds: 2, grace_period_seconds: 0, consecutive_failures: 2 };

test('HTTP: healthy while the endpoint answers 2xx/3xx; two 500s in a row ask for the kill', async () => {
  let n = 0;
  const paths: string[] = [];
  const port = await listen(
    createHttpServer((req, res) => {
      paths.push(req.url ?? '');
      res.statusCode = ++n <= 3 ? (n === 2 ? 302 : 200) : 500;
      res.end();
    }),
  );
  const results = await runUntilKill({ type: 'HTTP', http: { port, path: '/health' }, ...fast });
  expect(results.map((r) => [r.healthy, r.kill])).toEqual([[true, false], [false, false], [false, true]]); // a success is reported once
  expect(results[1]!.message).toBe('HTTP health check returned 500');
  expect(results[2]!.consecutiveFailures).toBe(2);
  expect(new Set(paths)).toEqual(new Set(['/health']));
  expect(n).toBe(5);
});

test('HTTP: with statuses given, only those are healthy', async () => {
  const port = await listen(createHttpServer((_req, res) => ((res.statusCode = 503), res.end())));
  const healthy = await runUntilKill({ type: 'HTTP', http: { port, statuses: [503] }, ...fast }, 1);
  expect(healthy).toEqual([{ healthy: true, kill: false, message: 'HTTP health check returned 503', consecutiveFailures: 0 }]);
  const unhealthy = await runUntilKill({ type: 'HTTP', http: { port }, ...fast });
  expect(unhealthy.map((r) => r.healthy)).toEqual([false, false]);
});

test('TCP: healthy while something listens; refused connections ask for the kill', async () => {
  const server = createTcpServer((s) => void sockets.push(s));
  const port = await listen(server);
  const first = await runUntilKill({ type: 'TCP', tcp: { port }, ...fast }, 1);
  expect(first).toEqual([{ healthy: true, kill: false, message: 'TCP health check passed', consecutiveFailures: 0 }]);
  await new Promise((r) => server.close(r));
  servers.splice(servers.indexOf(server), 1);
  const after = await runUntilKill({ type: 'TCP', tcp: { port }, ...fast });
  expect(after.map((r) => [r.healthy, r.kill])).toEqual([[false, false], [false, true]]);
  expect(after[0]!.message).toMatch(/^TCP health check failed: .*ECONNREFUSED/);
});

test('failures within the grace period are ignored until the first success; a hanging probe fails by its timeout', async () => {
  const hang = await listen(createHttpServer(() => {})); // never answers
  const checker = { type: 'HTTP' as const, http: { port: hang }, delay_seconds: 0, interval_seconds: 0.01, timeout_seconds: 0.05, consecutive_failures: 1 };
  // With a grace period far longer than the test, every failure is ignored: no result at all.
  const ignored: HealthResult[] = [];
  const c = new HealthChecker({ ...checker, grace_period_seconds: 3600 }, host, (r) => ignored.push(r));
  c.start();
  // Until a third probe starts: two have timed out and been ignored by then.
  await new Promise<void>((resolve, reject) => {
    const started = realClock.now();
    const poll = (): void => {
      if (c.checks >= 3) resolve();
      else if (realClock.now() - started > 10_000) reject(new Error(`only ${c.checks} checks in 10 s`));
      else realClock.timer(10, poll);
    };
    poll();
  });
  c.stop();
  expect(ignored).toEqual([]);
  // Without one, the first timeout is a failure, and with consecutive_failures 1 a kill.
  const results = await runUntilKill({ ...checker, grace_period_seconds: 0 });
  expect(results).toEqual([{ healthy: false, kill: true, message: 'HTTP health check timed out after 0.05s', consecutiveFailures: 1 }]);
});
