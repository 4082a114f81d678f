// Authentication and authorization at the master, in process (simulated
// network, virtual clock): HTTP Basic on the state, operator and scheduler
// endpoints by access level; ACLs on operator calls (403 naming the rule),
// on SUBSCRIBE over the actor path (register_frameworks: the framework
// error), on launches (run_tasks: TASK_ERROR), and view_* filtering the
// state and the roles; and secrets never shown in /master/flags.
import { afterEach, describe, expect, test } from '@jest/globals';
import type { HttpRequest, HttpResponse } from 'libprocess-ts';
import { aclsOf } from '../../protocol/auth/acls.js';
import { basicHeader } from '../../protocol/auth/basic.js';
import { credentialsMap } from '../../protocol/credentials.js';
import type { MasterFlags } from '../flags.js';
import { cluster, type Cluster } from './helpers/cluster.js';
import { commandTask } from './helpers/peers.js';

const CREDENTIALS = credentialsMap([{ principal: 'ops', secret: 'ops-secret' }, { principal: 'fw', secret: 'fw-secret' }]);
const OPS = basicHeader('ops', 'ops-secret');
const FW = basicHeader('fw', 'fw-secret');

let c: Cluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

async function request(path: string, body: unknown, authorization?: string, extra: Record<string, string> = {}): Promise<HttpResponse & { status: number }> {
  const req: HttpRequest = {
    method: body === undefined ? 'GET' : 'POST',
    path,
    query: new URLSearchParams(),
    headers: { 'content-type': 'application/json', ...(authorization !== undefined ? { authorization } : {}), ...extra },
    body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
  };
  return (await c!.masterRuntime.http.handle(req)) as HttpResponse & { status: number };
}
const bodyOf = (r: HttpResponse): string => String((r as { body?: unknown }).body ?? '');
const json = (r: HttpResponse): Record<string, unknown> => JSON.parse(bodyOf(r)) as Record<string, unknown>;

async function start(flags: Partial<MasterFlags>): Promise<Cluster> {
  c = await cluster({ credentials: CREDENTIALS, ...flags });
  return c;
}

describe('HTTP authentication at the master', () => {
  test('read-write calls need credentials; reads do not unless --authenticate_http_readonly; a wrong secret is always 401', async () => {
    await start({ authenticateHttpReadwrite: true });
    const gone = { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'nope' } } };
    const anonymous = await request('/api/v1', gone);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers?.['www-authenticate']).toBe('Basic realm="mesos"');
    expect((await request('/api/v1', gone, basicHeader('ops', 'wrong'))).status).toBe(401);
    expect([(await request('/api/v1', gone, OPS)).status]).toEqual([400]); // authenticated: on to the call (an unknown agent)
    expect((await request('/api/v1', { type: 'GET_STATE' })).status).toBe(200);
    expect((await request('/master/state', undefined)).status).toBe(200);
    expect((await request('/master/state', undefined, basicHeader('ops', 'wrong'))).status).toBe(401);
    await c!.stop();

    await start({ authenticateHttpReadonly: true });
    expect((await request('/master/state', undefined)).status).toBe(401);
    expect((await request('/metrics/snapshot', undefined)).status).toBe(401);
    expect((await request('/api/v1', { type: 'GET_HEALTH' })).status).toBe(401);
    expect((await request('/master/state', undefined, FW)).status).toBe(200);
    expect((await request('/master/health', undefined)).status).toBe(200); // health stays open
  });

  test('required but no --credentials: refused, never open', async () => {
    c = await cluster({ authenticateFrameworks: true });
    const subscribe = await request('/api/v1/scheduler', { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } }, FW);
    expect([subscribe.status, bodyOf(subscribe).trim()]).toEqual([401, 'Unauthorized: this endpoint needs credentials, and the master has no --credentials to check them against']);
    expect((await request('/master/state', undefined)).status).toBe(200);
  });

  test('/master/flags never shows a secret', async () => {
    await start({});
    const flags = json(await request('/master/flags', undefined))['flags'] as Record<string, string>;
    expect(flags['credentials']).toBe('(2 principals)');
    expect(JSON.stringify(flags)).not.toContain('ops-secret');
  });
});

describe('ACLs at the master', () => {
  const acls = aclsOf({
    permissive: true,
    register_frameworks: [{ principals: { values: ['fw'] }, roles: { values: ['web'] } }, { principals: { type: 'ANY' }, roles: { type: 'NONE' } }],
    run_tasks: [{ principals: { values: ['fw'] }, users: { values: ['nobody'] } }, { principals: { type: 'ANY' }, users: { type: 'NONE' } }],
    teardown_frameworks: [{ principals: { values: ['ops'] }, framework_principals: { type: 'ANY' } }, { principals: { type: 'ANY' }, framework_principals: { type: 'NONE' } }],
    update_quotas: [{ principals: { type: 'ANY' }, roles: { type: 'NONE' } }],
    mark_agents_gone: [{ principals: { values: ['ops'] }, agents: { type: 'ANY' } }, { principals: { type: 'ANY' }, agents: { type: 'NONE' } }],
    view_tasks: [{ principals: { values: ['ops'] }, users: { type: 'ANY' } }, { principals: { type: 'ANY' }, users: { type: 'NONE' } }],
    view_roles: [{ principals: { values: ['ops'] }, roles: { type: 'ANY' } }, { principals: { type: 'ANY' }, roles: { type: 'NONE' } }],
    get_endpoints: [{ principals: { values: ['ops'] }, paths: { values: ['/metrics'] } }, { principals: { type: 'ANY' }, paths: { type: 'NONE' } }],
  });

  test('operator calls: 403 naming the rule; allowed ones go through', async () => {
    await start({ acls });
    const quota = await request('/api/v1', { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'web', guarantees: { cpus: { value: 1 } } }] } }, OPS);
    expect([quota.status, bodyOf(quota).trim()]).toEqual([403, "Unauthorized: principal 'ops' is not allowed to update_quotas on role 'web' (denied by acls.update_quotas[0])"]);
    const gone = await request('/api/v1', { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'x' } } }, FW);
    expect(bodyOf(gone)).toContain('denied by acls.mark_agents_gone[1]');
    // Anonymous: the ANY rule; no credentials were required, but the ACLs still decide.
    expect((await request('/api/v1', { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'x' } } })).status).toBe(403);
    expect((await request('/api/v1', { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'x' } } }, OPS)).status).toBe(400);
    expect((await request('/metrics', undefined)).status).toBe(403);
    expect(bodyOf(await request('/metrics', undefined))).toContain("get_endpoints on path '/metrics' (denied by acls.get_endpoints[1])");
    expect((await request('/metrics', undefined, OPS)).status).toBe(200);
  });

  test('register_frameworks over the actor path: the framework error; run_tasks: TASK_ERROR naming the rule; teardown_frameworks and view_tasks', async () => {
    await start({ acls });
    await c!.agent({ resources: 'cpus:2;mem:512' });
    // A framework claiming principal 'fw' (on the actor path the principal is the connection's once connections are authenticated).
    const { scheduler: denied } = await c!.scheduler({ principal: 'fw', roles: ['prod'], capabilities: [{ type: 'MULTI_ROLE' }] });
    expect(denied.named('framework_error').map((e) => e.message)).toEqual(["Unauthorized: principal 'fw' is not allowed to register_frameworks on role 'prod' (denied by acls.register_frameworks[1])"]);
    expect(denied.frameworkId).toBeUndefined();

    const { scheduler } = await c!.scheduler({ principal: 'fw', user: 'root', roles: ['web'], capabilities: [{ type: 'MULTI_ROLE' }] });
    await scheduler.until(() => scheduler.offers.size === 1);
    const [offer] = [...scheduler.offers.values()];
    const asRoot = commandTask('as-root', offer!, 'cpus:0.5;mem:64');
    const asNobody = commandTask('as-nobody', offer!, 'cpus:0.5;mem:64');
    asNobody.command!.user = 'nobody';
    scheduler.launch(offer!, [asRoot, asNobody]);
    await c!.clock.settle();
    const refused = scheduler.statuses('as-root')[0]!;
    expect([refused.state, refused.reason, refused.message]).toEqual(['TASK_ERROR', 'REASON_TASK_UNAUTHORIZED', "Unauthorized: principal 'fw' is not allowed to run_tasks on user 'root' (denied by acls.run_tasks[1])"]);
    await scheduler.until(() => scheduler.states('as-nobody').includes('TASK_RUNNING'));

    // UPDATE_FRAMEWORK can neither change the principal nor take a role the principal may not register with.
    const info = { ...scheduler.info, id: scheduler.fw };
    scheduler.call('update', { framework_id: scheduler.fw, framework_info: { ...info, principal: 'ops' } });
    scheduler.call('update', { framework_id: scheduler.fw, framework_info: { ...info, roles: ['web', 'prod'] } });
    await c!.clock.settle();
    expect(scheduler.named('error').map((e) => e.message)).toEqual([
      "UPDATE_FRAMEWORK refused: framework_info.principal cannot change (subscribed as 'fw')",
      "UPDATE_FRAMEWORK refused: Unauthorized: principal 'fw' is not allowed to register_frameworks on role 'prod' (denied by acls.register_frameworks[1])",
    ]);

    // view_tasks: only ops sees the task; everybody sees the framework.
    const tasksOf = (s: Record<string, unknown>): string[] => (s['frameworks'] as { tasks: { id: string }[] }[]).flatMap((f) => f.tasks.map((t) => t.id));
    expect(tasksOf(json(await request('/master/state', undefined, OPS)))).toEqual(['as-nobody']);
    expect(tasksOf(json(await request('/master/state', undefined, FW)))).toEqual([]);
    expect(((json(await request('/api/v1', { type: 'GET_TASKS' }, FW))['get_tasks'] as { tasks: unknown[] }).tasks)).toEqual([]);

    // view_roles: only ops sees the role.
    const rolesOf = (r: HttpResponse): string[] => (json(r)['roles'] as { name: string }[]).map((x) => x.name);
    expect(rolesOf(await request('/master/roles', undefined, OPS))).toEqual(['web']);
    expect(rolesOf(await request('/master/roles', undefined, FW))).toEqual([]);
    expect((json(await request('/api/v1', { type: 'GET_ROLES' }, FW))['get_roles'] as { roles: unknown[] }).roles).toEqual([]);

    // teardown_frameworks: fw may not tear itself down through the operator API; ops may.
    const teardown = { type: 'TEARDOWN', teardown: { framework_id: { value: scheduler.frameworkId } } };
    expect(bodyOf(await request('/api/v1', teardown, FW))).toContain("teardown_frameworks on framework_principal 'fw' (denied by acls.teardown_frameworks[1])");
    expect((await request('/api/v1', teardown, OPS)).status).toBe(200);
  });
});
