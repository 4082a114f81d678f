/** The agents list and one agent's page (resources, reservations and persistent volumes, attributes, tasks). */
import { h, link, mb, num, section, table, time } from '../dom.js';
import { TERMINAL, type AgentJson, type ResourceMap } from '../types.js';
import { agentAddress, agentHref, infoList, minus, resourcesTable, tasksTable } from './common.js';
import { simple } from './view.js';

/** active, inactive, disconnected; deactivated, draining or drained by the operator. */
export function agentState(a: AgentJson): string {
  if (a.drain_info !== undefined) return a.drain_info.state === 'DRAINED' ? 'drained' : 'draining';
  if (a.deactivated === true) return 'deactivated';
  return a.active ? 'active' : a.connected ? 'inactive' : 'disconnected';
}

/** Its machine's maintenance: `draining from <start UTC> (<duration>)`, `down`, or empty. */
export function maintenanceText(a: AgentJson): string {
  const m = a.maintenance;
  if (m === undefined) return '';
  if (m.mode === 'DOWN') return 'down';
  const start = new Date(m.unavailability.start.nanoseconds / 1e6).toISOString().slice(0, 16).replace('T', ' ');
  const seconds = m.unavailability.duration === undefined ? undefined : Math.round(m.unavailability.duration.nanoseconds / 1e9);
  const duration = seconds === undefined ? '' : seconds % 3600 === 0 ? ` (${seconds / 3600} h)` : seconds % 60 === 0 ? ` (${seconds / 60} min)` : ` (${seconds} s)`;
  return `draining from ${start} UTC${duration}`;
}

function row(a: AgentJson): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-agent-id': a.id },
    h('td', { 'data-label': 'ID' }, link(agentHref(a.id), a.id)),
    h('td', { 'data-label': 'Host' }, a.hostname),
    h('td', { 'data-label': 'Address' }, agentAddress(a)),
    h('td', { 'data-label': 'CPUs' }, `${num(a.used_resources.cpus)} / ${num(a.resources.cpus)}`),
    h('td', { 'data-label': 'Memory' }, `${mb(a.used_resources.mem)} / ${mb(a.resources.mem)}`),
    h('td', { 'data-label': 'Disk' }, `${mb(a.used_resources.disk)} / ${mb(a.resources.disk)}`),
    h('td', { 'data-label': 'Tasks' }, String(a.task_count)),
    h('td', { 'data-label': 'State', 'data-state': agentState(a) }, agentState(a)),
    h('td', { 'data-label': 'Maintenance', 'data-maintenance': a.maintenance?.mode ?? '' }, maintenanceText(a)),
    h('td', { 'data-label': 'Registered' }, time(a.reregistered_time ?? a.registered_time)),
  );
}

export const agents = simple((s) => [
  h('h1', null, 'Agents'),
  section('Agents', table(['ID', 'Host', 'Address', 'CPUs (used / total)', 'Memory', 'Disk', 'Tasks', 'State', 'Maintenance', 'Registered'], s.state.slaves.map(row), 'No agents.', 'agents')),
]);

export const agent = simple((s, ctx) => {
  const id = ctx.params[0]!;
  const a = s.state.slaves.find((x) => x.id === id);
  if (a === undefined) return [h('h1', null, 'Agent'), h('p', { class: 'error' }, `No agent ${id} in this master's state.`), link('#/agents', 'All agents')];
  const all = [...s.state.frameworks, ...s.state.completed_frameworks];
  const here = all.flatMap((f) => [...f.tasks, ...f.completed_tasks]).filter((t) => t.slave_id === id);
  const attributes = Object.entries(a.attributes);
  return [
    h('nav', { class: 'crumbs' }, link('#/agents', 'Agents'), ' / ', a.id),
    h('h1', { 'data-agent-id': a.id }, `Agent ${a.hostname}`),
    h(
      'div',
      { class: 'grid' },
      section(
        'Agent',
        infoList([
          ['ID', a.id],
          ['PID', a.pid],
          ['Version', a.version],
          ['State', agentState(a)],
          ...(a.drain_info !== undefined ? [['Drain', `${a.drain_info.state}${a.drain_info.config.max_grace_period !== undefined ? `, grace at most ${a.drain_info.config.max_grace_period.nanoseconds / 1e9} s` : ''}${a.drain_info.config.mark_gone === true ? ', gone once drained' : ''}`] as [string, string]] : []),
          ...(a.maintenance !== undefined ? [['Maintenance', maintenanceText(a)] as [string, string]] : []),
          ['Registered', time(a.registered_time)],
          ['Re-registered', time(a.reregistered_time)],
          ['Agent state', link(`http://${agentAddress(a)}/state`, `http://${agentAddress(a)}/state`)],
        ]),
      ),
      section('Resources', resourcesTable([['Total', a.resources], ['Used', a.used_resources], ['Offered', a.offered_resources], ['Idle', minus(a.resources, a.used_resources, a.offered_resources)]])),
      ...(Object.keys(a.reserved_resources ?? {}).length > 0
        ? [section('Reservations', resourcesTable([...(a.unreserved_resources !== undefined ? [['Unreserved', a.unreserved_resources] as [string, ResourceMap]] : []), ...Object.entries(a.reserved_resources ?? {}).map(([role, r]) => [`Reserved to ${role}`, r] as [string, ResourceMap])]))]
        : []),
      ...(volumesOf(a).length > 0 ? [section('Persistent volumes', table(['ID', 'Role', 'Size', 'Path', 'Mode'], volumesOf(a).map((v) => h('tr', null, h('td', { 'data-label': 'ID' }, v.id), h('td', { 'data-label': 'Role' }, v.role), h('td', { 'data-label': 'Size' }, mb(v.size)), h('td', { 'data-label': 'Path' }, v.path), h('td', { 'data-label': 'Mode' }, v.mode)))))] : []),
      section('Attributes', table(['Name', 'Value'], attributes.map(([k, v]) => h('tr', null, h('td', { 'data-label': 'Name' }, k), h('td', { 'data-label': 'Value' }, String(v)))), 'No attributes.')),
    ),
    section('Active tasks', tasksTable(s.state, here.filter((t) => !TERMINAL.has(t.state)), false, 'No active tasks.')),
    section('Completed tasks', tasksTable(s.state, here.filter((t) => TERMINAL.has(t.state)), true, 'No completed tasks.')),
  ];
});

/** The agent's persistent volumes, from /state's reserved_resources_full. */
function volumesOf(a: AgentJson): { id: string; role: string; size: number; path: string; mode: string }[] {
  return Object.entries(a.reserved_resources_full ?? {}).flatMap(([role, list]) =>
    list.filter((r) => r.disk?.persistence !== undefined).map((r) => ({ id: r.disk!.persistence!.id, role, size: r.scalar?.value ?? 0, path: r.disk!.volume?.container_path ?? '', mode: r.disk!.volume?.mode ?? 'RW' })),
  );
}
