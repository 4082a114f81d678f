/** The frameworks list and one framework's page (tasks, roles, dominant share, offers). */
import { h, link, mb, num, section, table, time } from '../dom.js';
import { TERMINAL, type FrameworkJson, type Snapshot } from '../types.js';
import { agentById, agentHref, frameworkById, frameworkHref, infoList, resourcesTable, tasksTable } from './common.js';
import { simple } from './view.js';

/** The largest share of the cluster's CPUs, memory, disk or GPUs this framework holds (DRF's dominant share). */
export function dominantShare(s: Snapshot, f: FrameworkJson): { share: number; resource: string } {
  const m = s.metrics;
  let best = { share: 0, resource: '-' };
  for (const name of ['cpus', 'mem', 'disk', 'gpus'] as const) {
    const total = m[`master/${name}_total`] ?? 0;
    const share = total > 0 ? (f.used_resources[name] + f.offered_resources[name]) / total : 0;
    if (share > best.share) best = { share, resource: name };
  }
  return best;
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

function row(s: Snapshot, f: FrameworkJson): HTMLTableRowElement {
  const d = dominantShare(s, f);
  return h(
    'tr',
    { 'data-framework-id': f.id },
    h('td', { 'data-label': 'ID' }, link(frameworkHref(f.id), f.id)),
    h('td', { 'data-label': 'Name' }, f.name),
    h('td', { 'data-label': 'Host' }, f.hostname),
    h('td', { 'data-label': 'User' }, f.user),
    h('td', { 'data-label': 'Roles' }, f.roles.join(', ')),
    h('td', { 'data-label': 'Active tasks' }, String(f.tasks.filter((t) => !TERMINAL.has(t.state)).length)),
    h('td', { 'data-label': 'CPUs' }, num(f.used_resources.cpus)),
    h('td', { 'data-label': 'Memory' }, mb(f.used_resources.mem)),
    h('td', { 'data-label': 'Dominant share' }, `${pct(d.share)} ${d.resource}`),
    h('td', { 'data-label': 'Registered' }, time(f.registered_time)),
  );
}

const HEAD = ['ID', 'Name', 'Host', 'User', 'Roles', 'Active tasks', 'CPUs', 'Memory', 'Dominant share', 'Registered'];

export const frameworks = simple((s) => [
  h('h1', null, 'Frameworks'),
  section('Active frameworks', table(HEAD, s.state.frameworks.map((f) => row(s, f)), 'No frameworks.', 'frameworks')),
  section('Completed frameworks', table(HEAD, s.state.completed_frameworks.map((f) => row(s, f)), 'No completed frameworks.')),
]);

export const framework = simple((s, ctx) => {
  const id = ctx.params[0]!;
  const f = frameworkById(s.state, id);
  if (f === undefined) return [h('h1', null, 'Framework'), h('p', { class: 'error' }, `No framework ${id} in this master's state.`), link('#/frameworks', 'All frameworks')];
  const d = dominantShare(s, f);
  const offers = f.offers.map((o) => {
    const agent = agentById(s.state, o.slave_id);
    return h('tr', null, h('td', { 'data-label': 'Offer' }, o.id), h('td', { 'data-label': 'Agent' }, agent ? link(agentHref(agent.id), agent.hostname) : o.slave_id), h('td', { 'data-label': 'Role' }, o.allocation_info?.role ?? '-'), h('td', { 'data-label': 'CPUs' }, num(o.resources.cpus)), h('td', { 'data-label': 'Memory' }, mb(o.resources.mem)), h('td', { 'data-label': 'Disk' }, mb(o.resources.disk)));
  });
  return [
    h('nav', { class: 'crumbs' }, link('#/frameworks', 'Frameworks'), ' / ', f.id),
    h('h1', null, f.name),
    h(
      'div',
      { class: 'grid' },
      section(
        'Framework',
        infoList([
          ['ID', f.id],
          ['User', f.user],
          ['Host', f.hostname || '-'],
          ['Principal', f.principal ?? '-'],
          ['Roles', f.roles.join(', ')],
          ['Active', f.active ? 'yes' : 'no'],
          ['Connected', f.connected ? 'yes' : 'no'],
          ['Checkpoint', f.checkpoint ? 'yes' : 'no'],
          ['Failover timeout', `${f.failover_timeout} s`],
          ['Capabilities', f.capabilities.join(', ') || '-'],
          ['Registered', time(f.registered_time)],
          ['Dominant share', `${pct(d.share)} (${d.resource})`],
          // Linked only when it is http(s): a framework chooses this text, and a javascript: URL would run in this page.
          ['Web UI', /^https?:\/\//i.test(f.webui_url) ? link(f.webui_url, f.webui_url) : f.webui_url || '-'],
        ]),
      ),
      section('Resources', resourcesTable([['Used', f.used_resources], ['Offered', f.offered_resources]])),
    ),
    section('Outstanding offers', table(['Offer', 'Agent', 'Role', 'CPUs', 'Memory', 'Disk'], offers, 'No outstanding offers.')),
    section('Active tasks', tasksTable(s.state, f.tasks.filter((t) => !TERMINAL.has(t.state)), false, 'No active tasks.')),
    section('Completed tasks', tasksTable(s.state, [...f.completed_tasks, ...f.tasks.filter((t) => TERMINAL.has(t.state))], true, 'No completed tasks.')),
  ];
});
