/**
 * The master's state and metrics as the HTTP endpoints and the web UI show
 * them: Mesos's /state and /metrics/snapshot shapes (field names as Mesos).
 * The state is the classic JSON spelling of facts.ts's view of the books
 * (operator-state.ts spells the same facts as master.proto).
 */
import { Resources } from '../protocol/resources.js';
import { TASK_STATES, isTerminal } from '../protocol/task-states.js';
import type { Task } from '../protocol/types.js';
import { SEE_ALL, type Viewer } from './http-auth.js';
import type { MasterView } from './view.js';
import { roleFacts, stateFacts, type AgentFacts, type ExecutorFacts, type FrameworkFacts } from './facts.js';
import { encode } from '../protocol/json/index.js';
import { METRIC_SCALARS } from './books/usage.js';

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

function executorJson(e: ExecutorFacts): Record<string, unknown> {
  return { executor_id: e.info.executor_id.value, name: e.info.name ?? '', framework_id: e.frameworkId, slave_id: e.agentId, resources: resourceSummary(Resources.of(e.info.resources ?? [])), ...(e.info.type !== undefined ? { type: e.info.type } : {}) };
}

function frameworkJson(f: FrameworkFacts): Record<string, unknown> {
  const { info, framework } = f;
  return {
    id: f.id,
    name: info.name,
    user: info.user,
    hostname: info.hostname ?? '',
    webui_url: info.webui_url ?? '',
    principal: info.principal,
    roles: framework.roles,
    role: framework.roles[0] ?? '*',
    capabilities: (info.capabilities ?? []).map((c) => c.type),
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    active: framework.active,
    connected: framework.connected,
    recovered: f.recovered,
    registered_time: framework.registeredAt / 1000,
    ...(framework.reregisteredAt !== undefined ? { reregistered_time: framework.reregisteredAt / 1000 } : {}),
    ...(framework.removedAt !== undefined ? { unregistered_time: framework.removedAt / 1000 } : {}),
    resources: resourceSummary(f.used.add(f.offered)),
    used_resources: resourceSummary(f.used),
    offered_resources: resourceSummary(f.offered),
    tasks: f.tasks.map(taskJson),
    unreachable_tasks: f.unreachableTasks.map(taskJson),
    completed_tasks: f.completedTasks.map(taskJson),
    offers: f.offers.map((o) => ({ id: o.offer.id.value, framework_id: f.id, slave_id: o.offer.agent_id.value, resources: resourceSummary(o.resources), allocation_info: { role: o.role } })),
    executors: f.executors.map(executorJson),
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

function agentJson(f: AgentFacts): Record<string, unknown> {
  const a = f.agent;
  return {
    id: a.id,
    pid: a.pid,
    hostname: a.hostname,
    port: f.port,
    registered_time: a.registeredAt / 1000,
    ...(a.reregisteredAt !== undefined ? { reregistered_time: a.reregisteredAt / 1000 } : {}),
    resources: resourceSummary(f.total),
    used_resources: resourceSummary(f.used),
    offered_resources: resourceSummary(f.offered),
    unreserved_resources: resourceSummary(f.total.unreserved()),
    ...reservationsJson(f.total),
    attributes: Object.fromEntries((a.info.attributes ?? []).map((x) => [x.name, x.text?.value ?? x.scalar?.value ?? JSON.stringify(x.ranges ?? x.set)])),
    active: a.active,
    deactivated: f.deactivated,
    // Mesos's `drain_info` of a draining or drained agent; and (mesos-ts's own) `maintenance`: its machine's mode and unavailability while scheduled.
    ...(f.drain !== undefined ? { drain_info: encode('DrainInfo', f.drain) } : {}),
    ...(f.maintenance !== undefined ? { maintenance: { mode: f.maintenance.mode, machine: f.maintenance.machine, unavailability: encode('Unavailability', f.maintenance.unavailability) } } : {}),
    connected: a.connected,
    version: a.version,
    task_count: a.taskCount(),
  };
}

/** /master/roles: every role with a weight, a quota or a framework, and what its frameworks use. */
export function rolesJson(m: MasterView, viewer: Viewer = SEE_ALL): Record<string, unknown> {
  return { roles: roleFacts(m, viewer).map((r) => ({ name: r.name, weight: r.weight, frameworks: r.frameworks, resources: resourceSummary(r.allocated), quota: r.quota ?? null })) };
}

/** The /state view; `viewer` (--acls view_* rules) decides which frameworks, tasks and executors, and whether flags, are shown. */
export function masterState(m: MasterView, viewer: Viewer = SEE_ALL): Record<string, unknown> {
  const pid = m.pid;
  const facts = stateFacts(m, viewer);
  const activated = facts.agents.filter((a) => a.agent.active).length;
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
    deactivated_slaves: facts.agents.length - activated,
    unreachable_slaves: facts.unreachableAgents.length,
    flags: !viewer.flags ? {} : {
      allocation_interval: `${m.flags.allocationIntervalMs}ms`,
      agent_ping_timeout: `${m.flags.agentPingTimeoutMs}ms`,
      max_agent_ping_timeouts: String(m.flags.maxAgentPingTimeouts),
      ...(m.flags.offerTimeoutMs !== undefined ? { offer_timeout: `${m.flags.offerTimeoutMs}ms` } : {}),
    },
    slaves: facts.agents.map(agentJson),
    recovered_slaves: facts.recoveredAgents.map((a) => ({ id: a.id, pid: a.pid, hostname: a.info.hostname, registered_time: a.registeredAt / 1000 })),
    unreachable_slaves_list: facts.unreachableAgents.map((u) => ({ id: u.id, hostname: u.hostname, unreachable_time: u.at / 1000 })),
    frameworks: facts.frameworks.map(frameworkJson),
    completed_frameworks: facts.completedFrameworks.map(frameworkJson),
    orphan_tasks: facts.orphanTasks.map(taskJson),
    orphan_executors: facts.orphanExecutors.map(executorJson),
    unregistered_frameworks: facts.unregisteredFrameworks,
  };
}

/** Mesos-named gauges and counters (`master/...`), plus this master's own counters. */
export function masterMetrics(m: MasterView): Record<string, number> {
  const out: Record<string, number> = {};
  // From the books' index (books/usage.ts), kept as the books change: no walk of every agent and task per call.
  const usage = m.state.usage;
  const total = usage.total();
  const used = usage.used();
  // Offers are few (at most one per agent and framework at a time): summed in integer thousandths, no Resources built.
  const offered = METRIC_SCALARS.map(() => 0);
  for (const o of m.state.offers.all()) METRIC_SCALARS.forEach((name, i) => (offered[i]! += o.resources.milli(name)));
  METRIC_SCALARS.forEach((name, i) => {
    out[`master/${name}_total`] = total[i]!;
    out[`master/${name}_used`] = used[i]!;
    out[`master/${name}_offered`] = offered[i]! / 1000;
    out[`master/${name}_percent`] = total[i]! > 0 ? used[i]! / total[i]! : 0;
  });
  out['master/tasks_staging'] = usage.tasks('TASK_STAGING');
  out['master/tasks_starting'] = usage.tasks('TASK_STARTING');
  out['master/tasks_running'] = usage.tasks('TASK_RUNNING');
  out['master/tasks_killing'] = usage.tasks('TASK_KILLING');
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
  out['master/slaves_active'] = usage.activeAgents;
  out['master/slaves_inactive'] = m.state.agents.size - usage.activeAgents;
  out['master/slaves_unreachable'] = m.state.unreachableAgents.size;
  out['master/outstanding_offers'] = m.state.offers.size;
  out['master/elected'] = 1;
  out['master/uptime_secs'] = (m.clock.now() - m.startedAt) / 1000;
  return out;
}
