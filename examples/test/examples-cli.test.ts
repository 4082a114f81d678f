// The examples' command lines: bad flags and bad job or app specs are refused
// before anything connects, with a message naming what was wrong (exit 2); and
// the web farm's real server measured through the same probe the scheduler uses.
import { describe, expect, test } from '@jest/globals';
import { request } from 'node:http';
import { parseAttributeConstraint } from '../services/constraints.js';
import { instanceTask, parseAppSpec } from '../services/app-spec.js';
import { httpStatsProbe } from '../webfarm/webfarm-scheduler.js';
import { Resources } from '../../protocol/resources.js';
import type { Offer } from '../../protocol/types.js';
import { leasePorts } from '../../test/ports.js';
import { runBuilt, waitForOutput } from '../../test/processes.js';

/** An example's built entry point; its exit code and stderr once it has exited. */
async function run(entry: string, args: string[]): Promise<{ code: number | null; err: string }> {
  const p = runBuilt(entry, args);
  const code = await p.done;
  return { code, err: p.stderr() };
}

describe('example command lines refuse bad input', () => {
  test.each([
    ['examples/services/main.ts', ['--command=x', '--health=udp'], '--health must be http:<path>, tcp or cmd:<shell>, got "udp"'],
    ['examples/services/main.ts', ['--command=x', '--constraint=rack:NEAR:r1'], 'constraint "rack:NEAR:r1": unknown operator "NEAR"'],
    ['examples/services/main.ts', ['--command=x', '--instances=two'], '--instances must be a non-negative integer, got "two"'],
    ['examples/services/main.ts', ['--command=x', '--health=http:/'], 'invalid app spec: healthCheck.portIndex 0 needs at least 1 port(s), the app has 0'],
    ['examples/services/main.ts', [], '--command is required'],
    ['examples/cron/main.ts', ['--job={"name":"a"'], '--job {"name":"a": not JSON'],
    ['examples/cron/main.ts', ['--job={"name":"a","command":"x","schedule":"R/2026-11-22T10:00:00Z/P1H"}'], `schedule "R/2026-11-22T10:00:00Z/P1H": duration "P1H": hours, minutes and seconds need 'T' before them`],
    ['examples/cron/main.ts', [], 'no jobs: give --jobs or --job'],
    ['examples/batch/main.ts', ['--tasks=0'], '--tasks must be a positive integer, got "0"'],
    ['examples/webfarm/main.ts', ['--max=0'], 'max must be an integer >= min and >= 1, got 0'],
    ['examples/webfarm/main.ts', ['--load=10,lots'], '--load must be a non-negative number, got "lots"'],
  ])('%s %j', async (entry, args, message) => {
    const { code, err } = await run(entry, ['--master=127.0.0.1:1', ...args]);
    expect(err).toContain(message);
    expect(code).toBe(2);
  }, 30_000);
});

describe('services app spec pieces', () => {
  test('constraints from text', () => {
    expect(parseAttributeConstraint('rack:EQUALS:r1')).toEqual({ name: 'rack', op: 'EQUALS', value: 'r1' });
    expect(parseAttributeConstraint('gpu:EXISTS')).toEqual({ name: 'gpu', op: 'EXISTS' });
    expect(parseAttributeConstraint('zone:IN:a,b,3')).toEqual({ name: 'zone', op: 'IN', values: ['a', 'b', 3] });
    expect(parseAttributeConstraint('cores:GREATER_THAN:4')).toEqual({ name: 'cores', op: 'GREATER_THAN', value: 4 });
    expect(() => parseAttributeConstraint('cores:LESS_THAN:many')).toThrow('LESS_THAN needs a number');
    expect(() => parseAttributeConstraint('rack:EQUALS')).toThrow('EQUALS needs a value');
    expect(() => parseAttributeConstraint(':EXISTS')).toThrow('no attribute name');
  });

  test('TCP and COMMAND health checks in the TaskInfo, on the instance ports and environment', () => {
    const offer = { id: { value: 'o1' }, agent_id: { value: 'a1' }, framework_id: { value: 'f' }, hostname: 'h1', resources: [] } as unknown as Offer;
    const resources = Resources.parse('cpus:0.1;mem:32;ports:[31005-31006]');
    const tcp = instanceTask(parseAppSpec({ id: 'db', command: 'serve', instances: 1, resources: 'cpus:0.1;mem:32', ports: 2, healthCheck: { type: 'TCP', portIndex: 1, maxConsecutiveFailures: 5, delaySeconds: 1 } }), 'db-1', offer, resources);
    expect(tcp.health_check).toEqual({ type: 'TCP', tcp: { port: 31006 }, consecutive_failures: 5, delay_seconds: 1 });
    const cmd = instanceTask(parseAppSpec({ id: 'db', command: 'serve', instances: 1, resources: 'cpus:0.1;mem:32', ports: 2, healthCheck: { type: 'COMMAND', command: 'curl -f localhost:$PORT0' } }), 'db-1', offer, resources);
    expect(cmd.health_check?.command?.value).toBe('curl -f localhost:$PORT0');
    expect(cmd.health_check?.command?.environment?.variables?.map((v) => `${v.name}=${v.value}`)).toEqual(['PORT0=31005', 'PORT1=31006']);
    expect(() => parseAppSpec({ id: 'db', command: 'x', instances: 1, resources: 'cpus:1', healthCheck: { type: 'COMMAND' } })).toThrow('healthCheck.command must be a non-empty string');
    expect(() => parseAppSpec({ id: 'Bad Id', command: 'x', instances: 1, resources: 'cpus:1' })).toThrow('id must match');
  });
});

describe('webfarm server and probe, for real', () => {
  test('the server counts requests (not /stats) and the probe reads its rate', async () => {
    // The server takes no port 0: its port is leased (held for this test), not picked and released.
    const lease = await leasePorts(1);
    const port = lease.ports[0]!;
    const server = runBuilt('examples/webfarm/server.ts', [], { env: { PORT0: String(port) } });
    try {
      await waitForOutput(server, (o) => o.includes('listening'), 'the server listening');
      const get = (path: string): Promise<string> =>
        new Promise((resolve, reject) => {
          request({ host: '127.0.0.1', port, path }, (res) => {
            let b = '';
            res.on('data', (c: Buffer) => (b += c.toString()));
            res.on('end', () => resolve(b));
          })
            .on('error', reject)
            .end();
        });
      for (let i = 0; i < 20; i++) expect(await get('/')).toMatch(/^served by \d+ on port \d+/);
      const stats = JSON.parse(await get('/stats')) as { requests: number; rps: number };
      expect(stats.requests).toBe(20);
      const probe = httpStatsProbe(2_000, '127.0.0.1');
      const rps = await probe({ taskId: 'web-1', agentId: 'a', hostname: 'ignored', state: 'TASK_RUNNING', version: 'v', healthy: true, killing: false, ports: [port] });
      expect(typeof rps).toBe('number');
      expect(rps).toBeGreaterThanOrEqual(0);
      expect(JSON.parse(await get('/stats')).requests).toBe(20);
      expect(await probe({ taskId: 'web-2', agentId: 'a', hostname: '127.0.0.1', state: 'TASK_RUNNING', version: 'v', healthy: true, killing: false, ports: [] })).toBeUndefined();
    } finally {
      await server.stop('SIGKILL');
      lease.release();
    }
  }, 30_000);
});
