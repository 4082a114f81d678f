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
import { isValidRole, roleError } from '../protocol/roles.js';
import { adminCall, READONLY_CALLS } from './operator-admin.js';
import { parseUpdateQuota } from './operator-quota.js';
import { NOT_IMPLEMENTED } from './operator-unsupported.js';
import type { MasterEvent } from './events.js';
import { forbidden } from '../protocol/auth/http.js';
import { speaksProtobuf } from '../protocol/proto/http.js';
import { SEE_ALL, type Access, type Viewer } from './http-auth.js';
import type { MasterView, OperatorApiHost } from './view.js';
import { maintenanceCall } from './http-maintenance.js';
import { agentEventJson, frameworkEventJson, getAgents, getExecutors, getFrameworks, getRoles, getState, getTasks } from './operator-state.js';
import { reservationCall } from './http-reservations.js';
import { flagTexts } from './flag-texts.js';

type Json = Record<string, unknown>;

const text = (status: number, message: string): HttpResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${message}\n` });
const json = (body: Json): HttpResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
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
      return { type: e.type, agent_added: { agent: agentEventJson(m, e.agent) } };
    case 'AGENT_REMOVED':
      return { type: e.type, agent_removed: { agent_id: { value: e.agentId } } };
    case 'FRAMEWORK_ADDED':
      return { type: e.type, framework_added: { framework: frameworkEventJson(m, e.framework) } };
    case 'FRAMEWORK_UPDATED':
      return { type: e.type, framework_updated: { framework: frameworkEventJson(m, e.framework) } };
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
