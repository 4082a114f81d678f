/**
 * Maintenance and draining over HTTP: the operator calls of `POST /api/v1`
 * (GET_MAINTENANCE_SCHEDULE, GET_MAINTENANCE_STATUS,
 * UPDATE_MAINTENANCE_SCHEDULE, START_MAINTENANCE, STOP_MAINTENANCE,
 * DRAIN_AGENT, DEACTIVATE_AGENT, REACTIVATE_AGENT; http-operator.ts hands
 * them here) and Mesos's classic endpoints `/master/maintenance/schedule`
 * (GET, POST), `/master/maintenance/status` (GET), `/master/machine/down`
 * and `/master/machine/up` (POST). Reads are read-only access, changes
 * read-write; each is authorized by its ACL action (`--acls`).
 */
import type { HttpRequest, HttpResponse } from 'libprocess-ts';
import { forbidden } from '../protocol/auth/http.js';
import type { AclAction } from '../protocol/auth/acls.js';
import { encode } from '../protocol/json/index.js';
import { describeMachine, machineKey, parseMachines, parseSchedule, type ClusterStatus, type DrainConfig } from '../protocol/maintenance.js';
import type { Outcome } from './maintenance-ops.js';
import type { MasterView, OperatorApiHost } from './view.js';

type Json = Record<string, unknown>;

const text = (status: number, message: string): HttpResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${message}\n` });
const json = (body: unknown): HttpResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const done = (o: Outcome): HttpResponse => ('error' in o ? text(400, o.error) : { status: 200 });

/** The schedule as maintenance.Schedule JSON. */
export function scheduleJson(m: MasterView): Json {
  return encode('maintenance.Schedule', { windows: m.state.maintenance.windows });
}

/** maintenance.ClusterStatus: machines DRAINING (with the frameworks' answers to their inverse offers) and DOWN. */
export function clusterStatus(m: MasterView): ClusterStatus {
  const books = m.state.maintenance;
  const draining: ClusterStatus['draining_machines'] = [];
  for (const w of books.windows) {
    for (const id of w.machine_ids) {
      const key = machineKey(id);
      if (books.down.has(key)) continue;
      draining.push({ id, statuses: [...(books.statuses.get(key)?.values() ?? [])] });
    }
  }
  return { draining_machines: draining, down_machines: [...books.down.values()] };
}

const agentIdOf = (body: unknown): string | undefined => {
  const v = (body as { agent_id?: { value?: unknown } } | undefined)?.agent_id?.value;
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/** An int64 of JSON: a number, or a string of digits as protobuf's JSON writes 64-bit integers. */
const int64 = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
};

/**
 * DRAIN_AGENT's body: max_grace_period and mark_gone. In master.proto max_grace_period is a
 * google.protobuf.Duration, `{seconds, nanos}`; a DurationInfo's `{nanoseconds}` (the form of
 * the DrainConfig it becomes) is taken as well.
 */
function drainConfig(body: Json): DrainConfig | string {
  const grace = body['max_grace_period'];
  let max: number | undefined;
  if (grace !== undefined && grace !== null) {
    const g = grace as { seconds?: unknown; nanos?: unknown; nanoseconds?: unknown };
    if (typeof grace !== 'object') return 'drain_agent.max_grace_period: expected a duration, {"seconds": N, "nanos": N}';
    if (g.nanoseconds !== undefined) {
      const v = int64(g.nanoseconds);
      if (v === undefined || v < 0) return 'drain_agent.max_grace_period.nanoseconds: expected an integer >= 0';
      max = v;
    } else {
      const seconds = g.seconds === undefined ? 0 : int64(g.seconds);
      const nanos = g.nanos === undefined ? 0 : int64(g.nanos);
      if (seconds === undefined || seconds < 0) return 'drain_agent.max_grace_period.seconds: expected an integer >= 0';
      if (nanos === undefined || nanos < 0 || nanos > 999_999_999) return 'drain_agent.max_grace_period.nanos: expected an integer in [0, 999999999]';
      max = seconds * 1e9 + nanos;
    }
  }
  const markGone = body['mark_gone'];
  if (markGone !== undefined && markGone !== null && typeof markGone !== 'boolean') return 'drain_agent.mark_gone: expected true or false';
  return { ...(max !== undefined ? { max_grace_period: { nanoseconds: max } } : {}), mark_gone: markGone === true };
}

/**
 * A maintenance or drain operator call; undefined for any other type.
 * `denied(action)` is the caller's authorization (403 naming the rule).
 */
export function maintenanceCall(master: OperatorApiHost, type: string, call: Json, denied: (action: AclAction) => HttpResponse | undefined): HttpResponse | undefined {
  const answer = (field: string, body: Json): HttpResponse => json({ type, [field]: body });
  const body = (field: string): Json => {
    const b = call[field];
    return b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Json) : {};
  };
  switch (type) {
    case 'GET_MAINTENANCE_SCHEDULE':
      return denied('get_maintenance_schedules') ?? answer('get_maintenance_schedule', { schedule: scheduleJson(master) });
    case 'GET_MAINTENANCE_STATUS':
      return denied('get_maintenance_statuses') ?? answer('get_maintenance_status', { status: encode('maintenance.ClusterStatus', clusterStatus(master)) });
    case 'UPDATE_MAINTENANCE_SCHEDULE': {
      const schedule = parseSchedule(body('update_maintenance_schedule')['schedule'], 'update_maintenance_schedule.schedule');
      if (typeof schedule === 'string') return text(400, schedule);
      return denied('update_maintenance_schedules') ?? done(master.maintenance.updateSchedule(schedule.windows));
    }
    case 'START_MAINTENANCE':
    case 'STOP_MAINTENANCE': {
      const field = type === 'START_MAINTENANCE' ? 'start_maintenance' : 'stop_maintenance';
      const machines = parseMachines(body(field)['machines'], `${field}.machines`);
      if (typeof machines === 'string') return text(400, machines);
      if (type === 'START_MAINTENANCE') return denied('start_maintenances') ?? done(master.maintenance.down(machines));
      return denied('stop_maintenances') ?? done(master.maintenance.up(machines));
    }
    case 'DRAIN_AGENT': {
      const b = body('drain_agent');
      const id = agentIdOf(b);
      if (id === undefined) return text(400, "Expecting 'drain_agent.agent_id' to be present");
      const config = drainConfig(b);
      if (typeof config === 'string') return text(400, config);
      return denied('drain_agents') ?? done(master.maintenance.drain(id, config));
    }
    case 'DEACTIVATE_AGENT':
    case 'REACTIVATE_AGENT': {
      const field = type === 'DEACTIVATE_AGENT' ? 'deactivate_agent' : 'reactivate_agent';
      const id = agentIdOf(body(field));
      if (id === undefined) return text(400, `Expecting '${field}.agent_id' to be present`);
      if (type === 'DEACTIVATE_AGENT') return denied('deactivate_agents') ?? done(master.maintenance.deactivate(id));
      return denied('reactivate_agents') ?? done(master.maintenance.reactivate(id));
    }
    default:
      return undefined;
  }
}

/** The classic endpoints, under the master's id (`/master/maintenance/schedule` ...). */
export function installMaintenanceRoutes(master: OperatorApiHost): void {
  const auth = master.auth;
  /** Authenticated for `access`, then authorized for `action`: the principal, or the response to give. */
  const admit = (req: HttpRequest, access: 'readonly' | 'readwrite', action: AclAction): { principal: string | undefined } | { response: HttpResponse } => {
    const who = auth.authenticate(req, access);
    if ('response' in who) return who;
    const d = auth.authorizer.authorize(action, who.principal, undefined);
    return d.allowed ? { principal: who.principal } : { response: forbidden(d.message) };
  };
  const parsed = (req: HttpRequest): unknown => {
    try {
      return JSON.parse(req.body.toString('utf8'));
    } catch (err) {
      return new Error(`Failed to parse body into JSON: ${(err as Error).message}`);
    }
  };
  const count = (name: string): void => master.state.count(`master/http/${name}`);

  master.route('/maintenance/schedule', (req) => {
    if (req.method === 'GET') {
      const who = admit(req, 'readonly', 'get_maintenance_schedules');
      count('maintenance_schedule_get');
      return 'response' in who ? who.response : json(scheduleJson(master));
    }
    if (req.method !== 'POST') return { status: 405, headers: { allow: 'GET, POST' }, body: `Expecting 'GET' or 'POST', received '${req.method}'\n` };
    const who = admit(req, 'readwrite', 'update_maintenance_schedules');
    if ('response' in who) return who.response;
    const value = parsed(req);
    if (value instanceof Error) return text(400, value.message);
    const schedule = parseSchedule(value, 'schedule');
    if (typeof schedule === 'string') return text(400, schedule);
    count('maintenance_schedule_post');
    return done(master.maintenance.updateSchedule(schedule.windows));
  });
  master.route('/maintenance/status', (req) => {
    if (req.method !== 'GET') return { status: 405, headers: { allow: 'GET' }, body: `Expecting 'GET', received '${req.method}'\n` };
    const who = admit(req, 'readonly', 'get_maintenance_statuses');
    count('maintenance_status');
    return 'response' in who ? who.response : json(encode('maintenance.ClusterStatus', clusterStatus(master)));
  });
  for (const [path, action] of [['/machine/down', 'start_maintenances'], ['/machine/up', 'stop_maintenances']] as const) {
    master.route(path, (req) => {
      if (req.method !== 'POST') return { status: 405, headers: { allow: 'POST' }, body: `Expecting 'POST', received '${req.method}'\n` };
      const who = admit(req, 'readwrite', action);
      if ('response' in who) return who.response;
      const value = parsed(req);
      if (value instanceof Error) return text(400, value.message);
      const machines = parseMachines(value, 'machines');
      if (typeof machines === 'string') return text(400, machines);
      count(path === '/machine/down' ? 'machine_down' : 'machine_up');
      const outcome = path === '/machine/down' ? master.maintenance.down(machines) : master.maintenance.up(machines);
      if ('ok' in outcome) master.runtime.logger.info(`${path}: ${machines.map(describeMachine).join(', ')}`);
      return done(outcome);
    });
  }
}
