/**
 * The master's state and metrics as the HTTP endpoints and the web UI show
 * them: Mesos's /state and /metrics/snapshot shapes (field names as Mesos).
 */
import { Resources } from '../protocol/resources.js';
import { TASK_STATES, isTerminal } from '../protocol/task-states.js';
import type { Task } from '../protocol/types.js';
import type { Agent } from './agent.js';
import type { Framework } from './framework.js';
import { SEE_ALL, type Viewer } from './http-auth.js';
import type { MasterView } from './view.js';
import { agentIp } from './maintenance.js';
import { encode } from '../protocol/json/index.js';

const SCALARS = ['cpus', 'gpus', 'mem', 'disk'] as const;

/** Mesos's "resources" objects in state: scalars as numbers, ports as "[a-b, c-d]". */
export function resourceSummary(r: Resources): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const name of SCALARS) out[name] = r.scalar(name);
  const ports = r.ranges('ports');
  if (ports.length > 0) out['ports'] = `[${ports.map((p) => `${p.begin}-${p.end}`).join(', ')}]`;
  return out;
}

function taskJson(t: Task): Record<string, unknown> {
  const statuses = t.statuses.map((s) => ({ state: s.state, timestamp: s.timestamp ?? 0, ...(s.healthy !== undefined ? { healthy: s.healthy } : {}) }));
  return {
    id: t.task_id.value,
    name: t.name,
    framework_id: t.framework_id.value,
    executor_id: t.executor_id?.value ?? '',
    slave_id: t.agent_id.value,
    state: t.state,
    resources: resourceSummary(Resources.of(t.resources)),
    statuses,
    ...(t.labels ? { labels: t.labels.labels } : {}),
  };
}

function frameworkJson(m: MasterView, f: Framework, viewer: Viewer): Record<string, unknown> {
  const seen = (t: Task): boolean => viewer.task(t, f.info);
  const offers = m.state.offers.ofFramework(f.id);
  const offered = offers.reduce((sum, o) => sum.add(o.resources), Resources.empty());
  const used = f.totalUsed();
  return {
    id: f.id,
    name: f.info.name,
    user: f.info.user,
    hostname: f.info.hostname ?? '',
    webui_url: f.info.webui_url ?? '',
    principal: f.info.principal,
    roles: f.roles,
    role: f.roles[0] ?? '*',
    capabilities: (f.info.capabilities ?? []).map((c) => c.type),
    failover_timeout: f.info.failover_timeout ?? 0,
    checkpoint: f.info.checkpoint ?? false,
    active: f.active,
    connected: f.connected,
    recovered: m.isRecovered(f.id),
    registered_time: f.registeredAt / 1000,
    ...(f.reregisteredAt !== undefined ? { reregistered_time: f.reregisteredAt / 1000 } : {}),
    ...(f.removedAt !== undefined ? { unregistered_time: f.removedAt / 1000 } : {}),
    resources: resourceSummary(used.add(offered)),
    used_resources: resourceSummary(used),
    offered_resources: resourceSummary(offered),
    tasks: [...f.tasks.values()].filter(seen).map(taskJson),
    unreachable_tasks: [...f.unreachableTasks.values()].filter(seen).map(taskJson),
    completed_tasks: f.completedTasks.items().filter(seen).map(taskJson),
    offers: offers.map((o) => ({ id: o.id, framework_id: o.frameworkId, slave_id: o.agentId, resources: resourceSummary(o.resources), allocation_info: { role: o.role } })),
    executors: [...f.executors].flatMap(([agentId, m2]) => [...m2.values()].filter((e) => viewer.executor(e, f.info)).map((e) => ({ executor_id: e.executor_id.value, name: e.name ?? '', slave_id: agentId }))),
  };
}

/** Mesos's `reserved_resources` (role → summary), `reserved_resources_full` (role → Resource[]) and `unreserved_resources_full`. */
export function reservationsJson(total: Resources): Record<string, unknown> {
  const roles = [...new Set(total.reserved().toJSON().map((r) => Resources.reservationRole(r)))].sort();
  return {
    reserved_resources: Object.fromEntries(roles.map((role) => [role, resourceSummary(total.reserved(role))])),
    reserved_resources_full: Object.fromEntries(roles.map((role) => [role, total.reserved(role).toJSON().map((r) => encode('Resource', r))])),
    unreserved_resources_full: total.unreserved().toJSON().map((r) => encode('Resource', r)),
  };
}

function agentJson(m: MasterView, a: Agent): Record<string, unknown> {
  const offered = m.state.offers.ofAgent(a.id).reduce((sum, o) => sum.add(o.resources), Resources.empty());
  const used = a.totalUsed();
  return {
    id: a.id,
    pid: a.pid,
    hostname: a.hostname,
    port: Number(a.pid.slice(a.pid.lastIndexOf(':') + 1)),
    registered_time: a.registeredAt / 1000,
    ...(a.reregisteredAt !== undefined ? { reregistered_time: a.reregisteredAt / 1000 } : {}),
    resources: resourceSummary(a.total),
    used_resources: resourceSummary(used),
    offered_resources: resourceSummary(offered),
    unreserved_resources: resourceSummary(a.total.unreserved()),
    ...reservationsJson(a.total),
    attributes: Object.fromEntries((a.info.attributes ?? []).map((x) => [x.name, x.text?.value ?? x.scalar?.value ?? JSON.stringify(x.ranges ?? x.set)])),
    active: a.active,
    deactivated: m.state.maintenance.blocked(a.id),
    ...agentMaintenanceJson(m, a),
    connected: a.connected,
    version: a.version,
    task_count: a.taskCount(),
  };
}

/** Mesos's `drain_info` of a draining or drained agent; and (mesos-ts's own) `maintenance`: its machine's mode and unavailability while scheduled. */
function agentMaintenanceJson(m: MasterView, a: Agent): Record<string, unknown> {
  const drain = m.state.maintenance.drains.get(a.id);
  const machine = m.state.maintenance.scheduled(a.hostname, agentIp(a.pid));
  return {
    ...(drain !== undefined ? { drain_info: encode('DrainInfo', drain) } : {}),
    ...(machine !== undefined ? { maintenance: { mode: m.state.maintenance.down.has(machine.key) ? 'DOWN' : 'DRAINING', machine: machine.id, unavailability: encode('Unavailability', machine.unavailability) } } : {}),
  };
}

/** The /state view; `viewer` (--acls view_* rules) decides which frameworks, tasks and executors, and whether flags, are shown. */
export function masterState(m: MasterView, viewer: Viewer = SEE_ALL): Record<string, unknown> {
  const pid = m.pid;
  let activated = 0;
  for (const a of m.state.agents.values()) if (a.active) activated++;
  return {
    version: m.version,
    id: m.ids.masterId,
    pid: pid.toString(),
    hostname: m.flags.hostname,
    ...(m.flags.cluster ? { cluster: m.flags.cluster } : {}),
    leader: pid.toString(),
    leader_info: m.masterInfo(),
    start_time: m.startedAt / 1000,
    elected_time: m.startedAt / 1000,
    activated_slaves: activated,
    deactivated_slaves: m.state.agents.size - activated,
    unreachable_slaves: m.state.unreachableAgents.size,
    flags: !viewer.flags ? {} : {
      allocation_interval: `${m.flags.allocationIntervalMs}ms`,
      agent_ping_timeout: `${m.flags.agentPingTimeoutMs}ms`,
      max_agent_ping_timeouts: String(m.flags.maxAgentPingTimeouts),
      ...(m.flags.offerTimeoutMs !== undefined ? { offer_timeout: `${m.flags.offerTimeoutMs}ms` } : {}),
    },
    slaves: [...m.state.agents.values()].map((a) => agentJson(m, a)),
    unreachable_slaves_list: [...m.state.unreachableAgents].map(([id, u]) => ({ id, hostname: u.agent.hostname, unreachable_time: u.at / 1000 })),
    frameworks: [...m.state.frameworks.values()].filter((f) => viewer.framework(f.info)).map((f) => frameworkJson(m, f, viewer)),
    completed_frameworks: m.state.completedFrameworks.items().filter((f) => viewer.framework(f.info)).map((f) => frameworkJson(m, f, viewer)),
  };
}

/** Mesos-named gauges and counters (`master/...`), plus this master's own counters. */
export function masterMetrics(m: MasterView): Record<string, number> {
  const out: Record<string, number> = {};
  const byState = new Map<string, number>(TASK_STATES.map((s) => [s, 0]));
  // Sums in integer thousandths, scalar by scalar: no Resources built per agent
  // (at 10k agents, adding Resources made one call cost ~100 ms of the master's loop).
  const total = SCALARS.map(() => 0);
  const used = SCALARS.map(() => 0);
  const offered = SCALARS.map(() => 0);
  const sum = (into: number[], r: Resources): void => {
    for (let i = 0; i < SCALARS.length; i++) into[i]! += r.milli(SCALARS[i]!);
  };
  let activeAgents = 0;
  for (const a of m.state.agents.values()) {
    sum(total, a.total);
    for (const r of a.used.values()) sum(used, r);
    if (a.active) activeAgents++;
    for (const tasks of a.tasks.values()) for (const t of tasks.values()) if (!isTerminal(t.state)) byState.set(t.state, (byState.get(t.state) ?? 0) + 1);
  }
  for (const o of m.state.offers.all()) sum(offered, o.resources);
  SCALARS.forEach((name, i) => {
    out[`master/${name}_total`] = total[i]! / 1000;
    out[`master/${name}_used`] = used[i]! / 1000;
    out[`master/${name}_offered`] = offered[i]! / 1000;
    out[`master/${name}_percent`] = total[i]! > 0 ? used[i]! / total[i]! : 0;
  });
  out['master/tasks_staging'] = byState.get('TASK_STAGING')!;
  out['master/tasks_starting'] = byState.get('TASK_STARTING')!;
  out['master/tasks_running'] = byState.get('TASK_RUNNING')!;
  out['master/tasks_killing'] = byState.get('TASK_KILLING')!;
  out['master/tasks_unreachable'] = [...m.state.frameworks.values()].reduce((n, f) => n + f.unreachableTasks.size, 0);
  for (const [name, value] of m.state.counters) {
    // Mesos's terminal task counters: master/tasks_finished etc.
    const terminal = /^master\/task_state\/TASK_(.*)$/.exec(name);
    if (terminal && isTerminal(`TASK_${terminal[1]}` as (typeof TASK_STATES)[number])) out[`master/tasks_${terminal[1]!.toLowerCase()}`] = value;
    out[name] = value;
  }
  let connected = 0;
  let active = 0;
  for (const f of m.state.frameworks.values()) {
    if (f.connected) connected++;
    if (f.active) active++;
  }
  out['master/frameworks_connected'] = connected;
  out['master/frameworks_disconnected'] = m.state.frameworks.size - connected;
  out['master/frameworks_active'] = active;
  out['master/frameworks_inactive'] = m.state.frameworks.size - active;
  out['master/slaves_active'] = activeAgents;
  out['master/slaves_inactive'] = m.state.agents.size - activeAgents;
  out['master/slaves_unreachable'] = m.state.unreachableAgents.size;
  out['master/outstanding_offers'] = m.state.offers.size;
  out['master/elected'] = 1;
  out['master/uptime_secs'] = (m.clock.now() - m.startedAt) / 1000;
  return out;
}
