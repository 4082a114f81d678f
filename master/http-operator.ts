/**
 * The Mesos v1 operator API of the master: `POST /api/v1` (also
 * /master/api/v1). Queries answer 200 with `{"type": ..., "<type>": {...}}`;
 * updates answer 200 with no body; SUBSCRIBE opens a RecordIO stream of
 * master events (SUBSCRIBED carrying get_state, then TASK_ADDED,
 * TASK_UPDATED, AGENT_ADDED, AGENT_REMOVED, FRAMEWORK_ADDED/UPDATED/REMOVED,
 * HEARTBEAT). Every call of master.proto is known: those beyond the books are
 * operator-admin.ts's, those not carried out answer 501
 * (operator-unsupported.ts). In JSON or protobuf (protocol/proto/http.ts).
 */
import type { ChunkWriter, HttpRequest, HttpResponse } from 'libprocess-ts';
import { MASTER_CALL_TYPES, encode, recordio } from '../protocol/json/index.js';
import { Resources } from '../protocol/resources.js';
import { isValidRole, roleError } from '../protocol/roles.js';
import { offerMessage } from './offering.js';
import { adminCall, READONLY_CALLS } from './operator-admin.js';
import { parseUpdateQuota } from './operator-quota.js';
import { NOT_IMPLEMENTED } from './operator-unsupported.js';
import type { Agent } from './agent.js';
import type { MasterEvent } from './events.js';
import type { Framework } from './framework.js';
import { forbidden } from '../protocol/auth/http.js';
import { speaksProtobuf } from '../protocol/proto/http.js';
import { SEE_ALL, type Access, type Viewer } from './http-auth.js';
import type { MasterView, OperatorApiHost } from './view.js';
import { drainInfo, maintenanceCall } from './http-maintenance.js';
import { reservationCall } from './http-reservations.js';
import { agentIp } from './maintenance.js';
import { flagTexts } from './flag-texts.js';

type Json = Record<string, unknown>;

const text = (status: number, message: string): HttpResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${message}\n` });
const json = (body: Json): HttpResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const time = (ms: number): Json => ({ nanoseconds: Math.round(ms * 1e6) });
const resources = (r: Resources): Json[] => r.toJSON().map((x) => encode('Resource', x));

export function frameworkJson(m: MasterView, f: Framework): Json {
  const offers = m.state.offers.ofFramework(f.id);
  return {
    framework_info: encode('FrameworkInfo', { ...f.info, id: { value: f.id } }),
    active: f.active,
    connected: f.connected,
    recovered: m.isRecovered(f.id),
    registered_time: time(f.registeredAt),
    ...(f.reregisteredAt !== undefined ? { reregistered_time: time(f.reregisteredAt) } : {}),
    ...(f.removedAt !== undefined ? { unregistered_time: time(f.removedAt) } : {}),
    offers: offers.flatMap((o) => {
      const agent = m.state.agents.get(o.agentId);
      return agent === undefined ? [] : [encode('Offer', offerMessage(o, agent, f, m.state.maintenance.draining(agent.hostname, agentIp(agent.pid))?.unavailability))];
    }),
    allocated_resources: resources(f.totalUsed()),
    offered_resources: resources(offers.reduce((s, o) => s.add(o.resources), Resources.empty())),
  };
}

export function agentJson(m: MasterView, a: Agent): Json {
  const drain = drainInfo(m, a.id);
  return {
    agent_info: encode('AgentInfo', { ...a.info, id: { value: a.id } }),
    active: a.active,
    // Deactivated by the operator, or draining (not a broken connection: that is `active` false alone).
    deactivated: m.state.maintenance.blocked(a.id),
    ...(drain !== undefined ? { drain_info: encode('DrainInfo', drain) } : {}),
    version: a.version,
    pid: a.pid,
    registered_time: time(a.registeredAt),
    ...(a.reregisteredAt !== undefined ? { reregistered_time: time(a.reregisteredAt) } : {}),
    total_resources: resources(a.total),
    allocated_resources: resources(a.totalUsed()),
    offered_resources: resources(m.state.offers.ofAgent(a.id).reduce((s, o) => s.add(o.resources), Resources.empty())),
  };
}

function getTasks(m: MasterView, v: Viewer): Json {
  const tasks: Json[] = [];
  const unreachable: Json[] = [];
  const completed: Json[] = [];
  for (const f of m.state.frameworks.values()) {
    for (const t of f.tasks.values()) if (v.task(t, f.info)) tasks.push(encode('Task', t));
    for (const t of f.unreachableTasks.values()) if (v.task(t, f.info)) unreachable.push(encode('Task', t));
    for (const t of f.completedTasks.items()) if (v.task(t, f.info)) completed.push(encode('Task', t));
  }
  for (const f of m.state.completedFrameworks.items()) for (const t of f.completedTasks.items()) if (v.task(t, f.info)) completed.push(encode('Task', t));
  return { tasks, unreachable_tasks: unreachable, completed_tasks: completed };
}

function getExecutors(m: MasterView, v: Viewer): Json {
  const executors: Json[] = [];
  for (const a of m.state.agents.values()) {
    for (const [frameworkId, byFw] of a.executors) {
      const info = m.state.frameworks.get(frameworkId)?.info;
      for (const e of byFw.values()) if (info === undefined || v.executor(e, info)) executors.push({ executor_info: encode('ExecutorInfo', e), agent_id: { value: a.id } });
    }
  }
  return { executors };
}

function getFrameworks(m: MasterView, v: Viewer): Json {
  const seen = (f: Framework): boolean => v.framework(f.info);
  return { frameworks: [...m.state.frameworks.values()].filter(seen).map((f) => frameworkJson(m, f)), completed_frameworks: m.state.completedFrameworks.items().filter(seen).map((f) => frameworkJson(m, f)) };
}

function getAgents(m: MasterView): Json {
  return { agents: [...m.state.agents.values()].map((a) => agentJson(m, a)), recovered_agents: m.recoveredAgents().map((a) => encode('AgentInfo', { ...a.info, id: { value: a.id } })) };
}

/** GET_STATE; `viewer` (--acls view_* rules) decides which frameworks, tasks and executors are shown. */
export function getState(m: MasterView, viewer: Viewer = SEE_ALL): Json {
  return { get_tasks: getTasks(m, viewer), get_executors: getExecutors(m, viewer), get_frameworks: getFrameworks(m, viewer), get_agents: getAgents(m) };
}

function getRoles(m: MasterView, v: Viewer): Json {
  const roles = new Map<string, { frameworks: string[]; allocated: Resources }>();
  const role = (name: string): { frameworks: string[]; allocated: Resources } => {
    let r = roles.get(name);
    if (r === undefined) roles.set(name, (r = { frameworks: [], allocated: Resources.empty() }));
    return r;
  };
  for (const name of m.state.weights.keys()) role(name);
  for (const name of m.state.quotas.keys()) role(name);
  for (const f of m.state.frameworks.values()) {
    for (const name of f.roles) role(name).frameworks.push(f.id);
    const used = f.totalUsed();
    for (const r of used.toJSON()) {
      const name = r.allocation_info?.role ?? f.roles[0] ?? '*';
      role(name).allocated = role(name).allocated.add(Resources.of([r]));
    }
  }
  return {
    roles: [...roles.entries()]
      .filter(([name]) => v.role(name))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, r]) => ({ name, weight: m.state.weights.get(name) ?? 1, frameworks: r.frameworks.map((value) => ({ value })), resources: resources(r.allocated.unallocate()) })),
  };
}

function flagList(m: MasterView): Json[] {
  return flagTexts(m.flags).map(([name, value]) => ({ name, value }));
}

/** What an event subscriber may see of `e` (--acls view_* rules). */
function visible(m: MasterView, v: Viewer, e: MasterEvent): boolean {
  switch (e.type) {
    case 'TASK_ADDED':
    case 'TASK_UPDATED': {
      const f = m.state.frameworks.get(e.task.framework_id.value);
      return f === undefined ? v === SEE_ALL : v.task(e.task, f.info);
    }
    case 'FRAMEWORK_ADDED':
    case 'FRAMEWORK_UPDATED':
    case 'FRAMEWORK_REMOVED':
      return v.framework(e.framework.info);
    default:
      return true;
  }
}

function eventJson(m: MasterView, e: MasterEvent): Json {
  switch (e.type) {
    case 'TASK_ADDED':
      return { type: e.type, task_added: { task: encode('Task', e.task) } };
    case 'TASK_UPDATED':
      return { type: e.type, task_updated: { framework_id: { value: e.task.framework_id.value }, status: encode('TaskStatus', e.status), state: e.task.state } };
    case 'AGENT_ADDED':
      return { type: e.type, agent_added: { agent: agentJson(m, e.agent) } };
    case 'AGENT_REMOVED':
      return { type: e.type, agent_removed: { agent_id: { value: e.agentId } } };
    case 'FRAMEWORK_ADDED':
      return { type: e.type, framework_added: { framework: frameworkJson(m, e.framework) } };
    case 'FRAMEWORK_UPDATED':
      return { type: e.type, framework_updated: { framework: frameworkJson(m, e.framework) } };
    case 'FRAMEWORK_REMOVED':
      return { type: e.type, framework_removed: { framework_info: encode('FrameworkInfo', { ...e.framework.info, id: { value: e.framework.id } }) } };
  }
}

/** Calls that only read (GET_*, LIST_FILES, READ_FILE, and SUBSCRIBE to the event stream); every other call changes something. */
export function accessOf(type: string): Access {
  return type.startsWith('GET_') || type === 'SUBSCRIBE' || READONLY_CALLS.has(type) ? 'readonly' : 'readwrite';
}

export function installOperatorApi(master: OperatorApiHost): void {
  const subscribe = (viewer: Viewer): HttpResponse => ({
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' },
    stream: (writer: ChunkWriter) => {
      const heartbeatSeconds = master.flags.heartbeatIntervalSeconds;
      writer.write(recordio({ type: 'SUBSCRIBED', subscribed: { get_state: getState(master, viewer), heartbeat_interval_seconds: heartbeatSeconds } }));
      const stop = master.state.events.listen((e) => {
        if (visible(master, viewer, e)) writer.write(recordio(eventJson(master, e)));
      });
      let timer = master.delay(0, function beat() {
        if (writer.closed) return;
        writer.write(recordio({ type: 'HEARTBEAT' }));
        timer = master.delay(heartbeatSeconds * 1000, beat);
      });
      writer.onClose(() => {
        stop();
        timer.cancel();
      });
      master.state.count('master/api/operator/subscribers');
    },
  });

  const auth = master.auth;
  const handle = (req: HttpRequest): HttpResponse | Promise<HttpResponse> => {
    // Credentials that are sent are checked first; whether they are needed depends on the call (below).
    const who = auth.authenticate(req, auth.required('readonly') && auth.required('readwrite') ? 'readwrite' : 'readonly');
    if ('response' in who) return who.response;
    const principal = who.principal;
    if (req.method !== 'POST') return { status: 405, headers: { allow: 'POST' }, body: `Expecting 'POST', received '${req.method}'\n` };
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (contentType !== 'application/json') return text(415, `Expecting 'Content-Type' of application/json, received '${contentType || '(none)'}'`);
    let call: Json;
    try {
      call = JSON.parse(req.body.toString('utf8')) as Json;
    } catch (err) {
      return text(400, `Failed to parse body into JSON: ${(err as Error).message}`);
    }
    if (call === null || typeof call !== 'object' || typeof call['type'] !== 'string') return text(400, "Failed to convert JSON into Call: 'type' must be a string");
    const type = call['type'];
    const access = accessOf(type);
    if (principal === undefined && auth.required(access)) {
      const again = auth.authenticate(req, access);
      if ('response' in again) return again.response;
    }
    /** 403 naming the rule when `action` on `object` is denied to the caller, else undefined. */
    const denied = (action: Parameters<typeof auth.authorizer.authorize>[0], object: string | undefined): HttpResponse | undefined => {
      const d = auth.authorizer.authorize(action, principal, object);
      return d.allowed ? undefined : forbidden(d.message);
    };
    const viewer = auth.viewer(principal);
    // A metric name never comes from input: an unknown type is counted under one name.
    master.state.count(`master/api/operator/${(MASTER_CALL_TYPES as readonly string[]).includes(type) ? type.toLowerCase() : 'unknown_type'}`);
    const answer = (field: string, body: Json): HttpResponse => json({ type, [field]: body });
    const reservation = reservationCall(master, type, call, principal);
    if (reservation !== undefined) return reservation;
    const maintenance = maintenanceCall(master, type, call, (action) => denied(action, undefined));
    if (maintenance !== undefined) return maintenance;
    switch (type) {
      case 'GET_HEALTH':
        return answer('get_health', { healthy: true });
      case 'GET_FLAGS':
        return denied('view_flags', undefined) ?? answer('get_flags', { flags: flagList(master) });
      case 'GET_VERSION':
        return answer('get_version', { version_info: { version: master.version } });
      case 'GET_METRICS':
        return answer('get_metrics', { metrics: Object.entries(master.metrics()).map(([name, value]) => ({ name, value })) });
      case 'GET_STATE':
        return answer('get_state', getState(master, viewer));
      case 'GET_AGENTS':
        return answer('get_agents', getAgents(master));
      case 'GET_FRAMEWORKS':
        return answer('get_frameworks', getFrameworks(master, viewer));
      case 'GET_EXECUTORS':
        return answer('get_executors', getExecutors(master, viewer));
      case 'GET_TASKS':
        return answer('get_tasks', getTasks(master, viewer));
      case 'GET_ROLES':
        return answer('get_roles', getRoles(master, viewer));
      case 'GET_MASTER':
        return answer('get_master', { master_info: encode('MasterInfo', master.masterInfo()), start_time: master.startedAt / 1000, elected_time: master.startedAt / 1000 });
      case 'GET_WEIGHTS':
        return answer('get_weights', { weight_infos: [...master.state.weights].map(([role, weight]) => ({ role, weight })) });
      case 'GET_QUOTA':
        return answer('get_quota', {
          status: {
            configs: [...master.state.quotas].map(([role, q]) => ({
              role,
              guarantees: Object.fromEntries(Object.entries(q.guarantees).map(([k, v]) => [k, { value: v }])),
              limits: Object.fromEntries(Object.entries(q.limits).map(([k, v]) => [k, { value: v }])),
            })),
          },
        });
      case 'UPDATE_WEIGHTS': {
        const infos = (call['update_weights'] as { weight_infos?: unknown } | undefined)?.weight_infos;
        if (!Array.isArray(infos)) return text(400, "Expecting 'update_weights.weight_infos' to be a list");
        const weights: Record<string, number> = {};
        for (const [i, w] of infos.entries()) {
          const { role, weight } = (w ?? {}) as { role?: unknown; weight?: unknown };
          if (typeof role !== 'string' || !isValidRole(role)) return text(400, `update_weights.weight_infos[${i}].role: ${typeof role === 'string' ? roleError(role) : 'expected a string'}`);
          if (typeof weight !== 'number' || !(weight > 0)) return text(400, `update_weights.weight_infos[${i}].weight: expected a number > 0`);
          weights[role] = weight;
        }
        for (const role of Object.keys(weights)) {
          const no = denied('update_weights', role);
          if (no !== undefined) return no;
        }
        master.operator.updateWeights(weights);
        return { status: 200 };
      }
      case 'UPDATE_QUOTA': {
        const parsed = parseUpdateQuota(call['update_quota']);
        if (!parsed.ok) return text(parsed.status, parsed.message);
        for (const q of parsed.value) {
          const no = denied('update_quotas', q.role);
          if (no !== undefined) return no;
        }
        for (const q of parsed.value) master.operator.updateQuota(q.role, q.guarantees, q.limits);
        return { status: 200 };
      }
      case 'TEARDOWN': {
        const id = (call['teardown'] as { framework_id?: { value?: unknown } } | undefined)?.framework_id?.value;
        if (typeof id !== 'string') return text(400, "Expecting 'teardown.framework_id' to be present");
        const framework = master.state.frameworks.get(id);
        if (framework === undefined) return text(400, `No framework found with specified ID ${id}`);
        const no = denied('teardown_frameworks', framework.info.principal);
        if (no !== undefined) return no;
        master.operator.teardown(id);
        return { status: 200 };
      }
      case 'MARK_AGENT_GONE': {
        const id = (call['mark_agent_gone'] as { agent_id?: { value?: unknown } } | undefined)?.agent_id?.value;
        if (typeof id !== 'string') return text(400, "Expecting 'mark_agent_gone.agent_id' to be present");
        const no = denied('mark_agents_gone', undefined);
        if (no !== undefined) return no;
        if (!master.operator.markAgentGone(id)) return text(400, `Agent ${id} is not known to this master`);
        return { status: 200 };
      }
      case 'SUBSCRIBE':
        return subscribe(viewer);
      default: {
        const done = adminCall(master, type, call, denied);
        if (done !== undefined) return done;
        const why = NOT_IMPLEMENTED[type];
        if (why !== undefined) return text(501, why);
        return text(400, `Unknown or unsupported call type '${type}'`);
      }
    }
  };

  const isSubscribe = (call: Record<string, unknown>): boolean => call['type'] === 'SUBSCRIBE';
  master.route('/api/v1', speaksProtobuf({ call: 'master.Call', response: 'master.Response', event: 'master.Event', streaming: isSubscribe }, handle));
  master.runtime.http.alias('/api/v1', `/${master.pid.id}/api/v1`);
}
