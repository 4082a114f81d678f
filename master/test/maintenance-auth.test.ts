// Maintenance and draining behind the master's authentication and ACLs, in
// process: the calls that change something, and the classic endpoints that
// do, need credentials under --authenticate_http_readwrite (401 with the
// Basic challenge); the reads only under --authenticate_http_readonly; each
// call and endpoint is authorized by its ACL action, a denial naming the rule.
import { afterEach, describe, expect, test } from '@jest/globals';
import type { HttpRequest, HttpResponse } from 'libprocess-ts';
import { aclsOf } from '../../protocol/auth/acls.js';
import { basicHeader } from '../../protocol/auth/basic.js';
import { credentialsMap } from '../../protocol/credentials.js';
import type { MasterFlags } from '../flags.js';
import { cluster, type Cluster } from './helpers/cluster.js';

const CREDENTIALS = credentialsMap([{ principal: 'ops', secret: 'ops-secret' }, { principal: 'dev', secret: 'dev-secret' }]);
const OPS = basicHeader('ops', 'ops-secret');
const DEV = basicHeader('dev', 'dev-secret');

let c: Cluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

async function start(flags: Partial<MasterFlags>): Promise<void> {
  c = await cluster({ credentials: CREDENTIALS, ...flags });
}

async function request(method: 'GET' | 'POST', path: string, body: unknown, authorization?: string): Promise<{ status: number; text: string; challenge: string | undefined }> {
  const req: HttpRequest = {
    method,
    path,
    query: new URLSearchParams(),
    headers: { 'content-type': 'application/json', ...(authorization !== undefined ? { authorization } : {}) },
    body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
  };
  const res = (await c!.masterRuntime.http.handle(req)) as HttpResponse & { status: number; body?: unknown };
  return { status: res.status, text: String(res.body ?? '').trim(), challenge: res.headers?.['www-authenticate'] };
}

const SCHEDULE = { windows: [{ machine_ids: [{ hostname: 'h1' }], unavailability: { start: { nanoseconds: 0 } } }] };
const CHANGES: [string, unknown][] = [
  ['/api/v1', { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: SCHEDULE } }],
  ['/api/v1', { type: 'START_MAINTENANCE', start_maintenance: { machines: [{ hostname: 'h1' }] } }],
  ['/api/v1', { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [{ hostname: 'h1' }] } }],
  ['/api/v1', { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: 'x' } } }],
  ['/api/v1', { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: 'x' } } }],
  ['/api/v1', { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: 'x' } } }],
  ['/master/maintenance/schedule', SCHEDULE],
  ['/master/machine/down', [{ hostname: 'h1' }]],
  ['/master/machine/up', [{ hostname: 'h1' }]],
];

describe('maintenance behind authentication', () => {
  test('changes need credentials (401, Basic challenge); reads do not', async () => {
    await start({ authenticateHttpReadwrite: true });
    for (const [path, body] of CHANGES) {
      const anonymous = await request('POST', path, body);
      expect([path, anonymous.status, anonymous.challenge]).toEqual([path, 401, 'Basic realm="mesos"']);
      expect([path, (await request('POST', path, body, basicHeader('ops', 'wrong'))).status]).toEqual([path, 401]);
      // Authenticated: on to the call (which may refuse what it is asked: an unknown agent, a machine not down).
      expect([path, [200, 400].includes((await request('POST', path, body, OPS)).status)]).toEqual([path, true]);
    }
    expect((await request('POST', '/api/v1', { type: 'GET_MAINTENANCE_SCHEDULE' })).status).toBe(200);
    expect((await request('POST', '/api/v1', { type: 'GET_MAINTENANCE_STATUS' })).status).toBe(200);
    expect((await request('GET', '/master/maintenance/schedule', undefined)).status).toBe(200);
    expect((await request('GET', '/master/maintenance/status', undefined)).status).toBe(200);
  });

  test('reads need credentials under --authenticate_http_readonly', async () => {
    await start({ authenticateHttpReadonly: true });
    expect((await request('POST', '/api/v1', { type: 'GET_MAINTENANCE_STATUS' })).status).toBe(401);
    expect((await request('GET', '/master/maintenance/schedule', undefined)).status).toBe(401);
    expect((await request('GET', '/master/maintenance/status', undefined, OPS)).status).toBe(200);
  });
});

describe('maintenance and the ACLs', () => {
  const acls = aclsOf({
    permissive: false,
    update_maintenance_schedules: [{ principals: { values: ['ops'] }, machines: { type: 'ANY' } }],
    get_maintenance_schedules: [{ principals: { values: ['ops', 'dev'] }, machines: { type: 'ANY' } }],
    get_maintenance_statuses: [{ principals: { values: ['ops'] }, machines: { type: 'ANY' } }],
    start_maintenances: [{ principals: { values: ['ops'] }, machines: { type: 'ANY' } }],
    stop_maintenances: [{ principals: { values: ['ops'] }, machines: { type: 'ANY' } }],
    drain_agents: [{ principals: { values: ['ops'] }, agents: { type: 'ANY' } }, { principals: { type: 'ANY' }, agents: { type: 'NONE' } }],
    deactivate_agents: [{ principals: { values: ['ops'] }, agents: { type: 'ANY' } }],
    reactivate_agents: [{ principals: { values: ['ops'] }, agents: { type: 'ANY' } }],
  });

  test('each call and endpoint authorized by its action: 403 naming the rule, or on to the call', async () => {
    await start({ acls });
    const drain = await request('POST', '/api/v1', { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: 'x' } } }, DEV);
    expect([drain.status, drain.text]).toEqual([403, "Unauthorized: principal 'dev' is not allowed to drain_agents on any agents (denied by acls.drain_agents[1])"]);
    const machines = await request('POST', '/master/machine/down', [{ hostname: 'h1' }], DEV);
    expect([machines.status, machines.text]).toEqual([403, "Unauthorized: principal 'dev' is not allowed to start_maintenances on any machines (denied by acls.permissive=false (no start_maintenances rule matched))"]);
    expect((await request('POST', '/api/v1', { type: 'GET_MAINTENANCE_STATUS' }, DEV)).status).toBe(403);
    expect((await request('GET', '/master/maintenance/schedule', undefined, DEV)).status).toBe(200);
    for (const [path, body] of CHANGES) {
      expect([path, (await request('POST', path, body, DEV)).status]).toEqual([path, 403]);
      expect([path, [200, 400].includes((await request('POST', path, body, OPS)).status)]).toEqual([path, true]);
    }
  });
});
