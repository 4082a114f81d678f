// A `mesos-ts local` cluster is safe by default: real OS processes, raw HTTP
// clients with no SDK. Unauthenticated or wrongly authenticated operator
// calls that change something are refused 401, an ACL denial is 403 naming
// its rule, a framework subscribed over HTTP cannot be taken over (nor its
// stream used) by another principal; reads stay open; the cluster keeps
// serving throughout, and the CLI finds the operator's credential through
// cluster.json. (Executor token misuse: agent/test/http-executor-auth.test.ts.)
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordIOReader } from '../../protocol/json/index.js';
import { runBuilt, stopAll, waitForOutput, type Proc } from '../../test/processes.js';

const work = mkdtempSync(join(tmpdir(), 'mesos-ts-security-test-'));
const ACLS = JSON.stringify({
  update_weights: [{ principals: { type: 'ANY' }, roles: { values: ['locked'] } }, { principals: { type: 'ANY' }, roles: { type: 'NONE' } }],
  // Only the operator sees frameworks in the state (anonymous readers see none).
  view_frameworks: [{ principals: { values: ['operator'] }, users: { type: 'ANY' } }, { principals: { type: 'ANY' }, users: { type: 'NONE' } }],
});
let local: Proc;
let base: string;
let operator: { principal: string; secret: string };
let cluster: { principal: string; secret: string };

const basic = (c: { principal: string; secret: string }): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${c.principal}:${c.secret}`).toString('base64')}` });
const call = (body: unknown, headers: Record<string, string> = {}, path = '/api/v1'): Promise<Response> =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

beforeAll(async () => {
  // The rule [0] would allow only role 'locked' (nobody asks for it); [1] denies every other role: UPDATE_WEIGHTS of 'eng' is denied by acls.update_weights[1].
  local = runBuilt('cli/main.ts', ['local', '--masters=1', '--agents=1', '--port=0', `--work_dir=${work}`, '--resources=cpus:1;mem:256', `--acls=${ACLS}`]);
  await waitForOutput(local, (o) => o.includes('cluster up'), 'the cluster');
  const json = JSON.parse(readFileSync(join(work, 'cluster.json'), 'utf8')) as { leader: string; credentials: { file: string; operator: string; cluster: string } };
  base = json.leader;
  operator = JSON.parse(readFileSync(json.credentials.operator, 'utf8')) as typeof operator;
  cluster = JSON.parse(readFileSync(json.credentials.cluster, 'utf8')) as typeof cluster;
  expect(statSync(json.credentials.file).mode & 0o777).toBe(0o600);
  expect(readFileSync(join(work, 'cluster.json'), 'utf8')).not.toContain(operator.secret);
});

afterAll(async () => {
  await local?.stop('SIGTERM');
  await stopAll('SIGKILL'); // any CLI process a failed test left; the work dir goes after every exit
  rmSync(work, { recursive: true, force: true });
});

/** SUBSCRIBE over the v1 scheduler API; resolves with the response (the stream open) and its first event. */
async function subscribe(headers: Record<string, string>, frameworkId?: string): Promise<{ res: Response; streamId: string | null; first: () => Promise<Record<string, unknown>> }> {
  const info = { user: 'nobody', name: 'raw http', ...(frameworkId ? { id: { value: frameworkId } } : {}) };
  const res = await call({ type: 'SUBSCRIBE', ...(frameworkId ? { framework_id: { value: frameworkId } } : {}), subscribe: { framework_info: info } }, headers, '/api/v1/scheduler');
  return {
    res,
    streamId: res.headers.get('mesos-stream-id'),
    first: async () => {
      // Read without cancelling: the stream must stay open (the framework stays connected).
      const records = new RecordIOReader();
      const reader = res.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended without an event');
        const events = records.push(Buffer.from(value));
        if (events.length > 0) return events[0] as Record<string, unknown>;
      }
    },
  };
}

describe('a mesos-ts local cluster refuses', () => {
  test('operator calls without credentials, or with a wrong secret (401); reads stay open', async () => {
    const teardown = await call({ type: 'TEARDOWN', teardown: { framework_id: { value: 'any' } } });
    expect(teardown.status).toBe(401);
    expect(teardown.headers.get('www-authenticate')).toBe('Basic realm="mesos"');
    expect((await call({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'any' } } })).status).toBe(401);
    expect((await call({ type: 'UPDATE_QUOTA', update_quota: { quota_configs: [] } })).status).toBe(401);
    const wrong = await call({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'any' } } }, basic({ principal: 'operator', secret: 'guess' }));
    expect([wrong.status, (await wrong.text()).trim()]).toEqual([401, 'Unauthorized: invalid principal or secret']);
    // Even a read with a wrong secret is refused; without any it is served.
    expect((await call({ type: 'GET_HEALTH' }, basic({ principal: 'nobody', secret: 'x' }))).status).toBe(401);
    expect((await call({ type: 'GET_HEALTH' })).status).toBe(200);
    expect((await fetch(`${base}/master/state`)).status).toBe(200);
    // The agent's read-write operator calls too.
    const agent = (JSON.parse(readFileSync(join(work, 'cluster.json'), 'utf8')) as { agents: { url: string }[] }).agents[0]!.url;
    expect((await fetch(`${agent}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'LAUNCH_CONTAINER' }) })).status).toBe(401);
    expect((await fetch(`${agent}/state`)).status).toBe(200);
  });

  test('a call the ACLs deny: 403 naming the rule; an allowed one goes through', async () => {
    const denied = await call({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'eng', weight: 2 }] } }, basic(operator));
    expect(denied.status).toBe(403);
    expect((await denied.text()).trim()).toBe("Unauthorized: principal 'operator' is not allowed to update_weights on role 'eng' (denied by acls.update_weights[1])");
    expect((await call({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'locked', weight: 2 }] } }, basic(operator))).status).toBe(200);
  });

  test('an HTTP framework: subscribing needs credentials; another principal can neither take it over nor use its stream', async () => {
    expect((await subscribe({})).res.status).toBe(401);
    const mine = await subscribe(basic(operator));
    expect(mine.res.status).toBe(200);
    const subscribed = await mine.first();
    const id = (subscribed['subscribed'] as { framework_id: { value: string } }).framework_id.value;

    const takeover = await subscribe(basic(cluster), id);
    expect(takeover.res.status).toBe(403);
    expect(await takeover.res.text()).toContain(`Framework ${id} belongs to principal 'operator'`);
    const spoofed = await call({ type: 'REVIVE', framework_id: { value: id } }, { ...basic(cluster), 'mesos-stream-id': mine.streamId! }, '/api/v1/scheduler');
    expect(spoofed.status).toBe(403);
    expect(await spoofed.text()).toContain(`Framework ${id} subscribed as principal 'operator'; this call comes from 'mesos-ts-cluster'`);
    // The owner's calls still work; then the operator tears it down and the cluster keeps serving.
    expect((await call({ type: 'REVIVE', framework_id: { value: id } }, { ...basic(operator), 'mesos-stream-id': mine.streamId! }, '/api/v1/scheduler')).status).toBe(202);
    expect((await call({ type: 'TEARDOWN', teardown: { framework_id: { value: id } } }, basic(operator))).status).toBe(200);
    const frameworks = (await (await call({ type: 'GET_FRAMEWORKS' }, basic(operator))).json()) as { get_frameworks: { completed_frameworks: { framework_info: { id: { value: string }; principal: string } }[] } };
    expect(frameworks.get_frameworks.completed_frameworks.map((f) => [f.framework_info.id.value, f.framework_info.principal])).toEqual([[id, 'operator']]);
  });

  test('view_frameworks hides frameworks from anonymous readers; the CLI finds the operator credential through cluster.json', async () => {
    const mine = await subscribe(basic(operator));
    const id = ((await mine.first())['subscribed'] as { framework_id: { value: string } }).framework_id.value;
    const anonymous = (await (await fetch(`${base}/master/frameworks`)).json()) as { frameworks: { id: string }[] };
    expect(anonymous.frameworks).toEqual([]);
    const p = runBuilt('cli/main.ts', ['frameworks', `--master=${base.replace('http://', '')}`, '--json']);
    expect(await p.done).toBe(0);
    expect((JSON.parse(p.out()) as { id: string }[]).map((f) => f.id)).toEqual([id]);
    const wrong = runBuilt('cli/main.ts', ['frameworks', `--master=${base.replace('http://', '')}`, '--principal=operator', '--secret=guess']);
    expect(await wrong.done).toBe(1);
    expect(wrong.out()).toContain('HTTP 401');
  });
});

describe('mesos-ts local --insecure', () => {
  test('no credentials anywhere, and it says so', async () => {
    const dir = join(work, 'insecure');
    const open = runBuilt('cli/main.ts', ['local', '--insecure', '--masters=1', '--agents=1', '--port=0', `--work_dir=${dir}`, '--resources=cpus:1;mem:256']);
    try {
      await waitForOutput(open, (o) => o.includes('cluster up'), 'the insecure cluster');
      expect(open.out()).toContain('WARNING: --insecure: no credentials');
      const json = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { leader: string; credentials: unknown };
      expect(json.credentials).toBeNull();
      // An anonymous MARK_AGENT_GONE goes through to the call itself (an unknown agent: 400, not 401).
      const res = await fetch(`${json.leader}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'nope' } } }) });
      expect(res.status).toBe(400);
    } finally {
      open.child.kill('SIGTERM');
      await open.done;
    }
  });
});
