/** Roles: weights, quota (guarantees and limits), allocation, and allocation over time. */
import { h, link, mb, num, section, table } from '../dom.js';
import { linePlot, seriesOf } from '../plot.js';
import { frameworkHref } from './common.js';
import { plotResource, plotSwitch, plotWindow } from './dashboard.js';
import { simple } from './view.js';

const quantities = (q: Record<string, number> | undefined): string =>
  q === undefined || Object.keys(q).length === 0 ? '-' : Object.entries(q).map(([k, v]) => `${k}: ${k === 'mem' || k === 'disk' ? mb(v) : num(v)}`).join(', ');

export const roles = simple((s, ctx, history) => {
  const rows = s.roles.map((r) =>
    h(
      'tr',
      { 'data-role': r.name },
      h('td', { 'data-label': 'Role' }, r.name),
      h('td', { 'data-label': 'Weight' }, num(r.weight)),
      h('td', { 'data-label': 'Frameworks' }, r.frameworks.length === 0 ? '-' : r.frameworks.map((id, i) => [i > 0 ? ', ' : '', link(frameworkHref(id), id.slice(-8))])),
      h('td', { 'data-label': 'CPUs' }, num(r.allocated.cpus)),
      h('td', { 'data-label': 'GPUs' }, num(r.allocated.gpus)),
      h('td', { 'data-label': 'Memory' }, mb(r.allocated.mem)),
      h('td', { 'data-label': 'Disk' }, mb(r.allocated.disk)),
      h('td', { 'data-label': 'Quota guarantees' }, quantities(r.quota?.guarantees)),
      h('td', { 'data-label': 'Quota limits' }, quantities(r.quota?.limits)),
    ),
  );
  const k = plotResource(ctx.query);
  return [
    h('h1', null, 'Roles'),
    section('Roles', h('p', { class: 'note' }, 'Allocated: resources in use by tasks plus resources offered, per role.'), table(['Role', 'Weight', 'Frameworks', 'CPUs', 'GPUs', 'Memory', 'Disk', 'Quota guarantees', 'Quota limits'], rows, 'No roles.', 'roles')),
    section('Allocation over the last minutes', plotSwitch('/roles', k), h('div', { class: 'plots' }, linePlot(`${k === 'mem' ? 'Memory' : 'CPUs'} allocated per role`, k === 'mem' ? 'MB' : 'CPUs', seriesOf(history, (x) => x.roles[k]), plotWindow(s, history), s.at))),
  ];
});
