/** The cluster at a glance: who leads, task counters, resources, plots, active and completed tasks. */
import { h, link, section, table, time } from '../dom.js';
import { linePlot, seriesOf } from '../plot.js';
import { HISTORY_MS, type PlotResource, type Sample } from '../store.js';
import { TERMINAL, type Snapshot } from '../types.js';
import { infoList, resourcesTable, tasksTable } from './common.js';
import { simple } from './view.js';

const COUNTERS: [string, string][] = [
  ['Staging', 'master/tasks_staging'],
  ['Starting', 'master/tasks_starting'],
  ['Running', 'master/tasks_running'],
  ['Finished', 'master/tasks_finished'],
  ['Killed', 'master/tasks_killed'],
  ['Failed', 'master/tasks_failed'],
  ['Lost', 'master/tasks_lost'],
];

const UNITS: Record<PlotResource, [string, string]> = { cpus: ['CPUs', 'CPUs'], mem: ['Memory', 'MB'] };

/** `?plot=mem` on the page's hash chooses memory instead of CPUs. */
export const plotResource = (query: URLSearchParams): PlotResource => (query.get('plot') === 'mem' ? 'mem' : 'cpus');

/** Links that switch the page's plots between CPUs and memory. */
export function plotSwitch(page: string, current: PlotResource): HTMLElement {
  return h('p', { class: 'plot-switch' }, 'Show: ', (['cpus', 'mem'] as const).map((k, i) => [i > 0 ? ' | ' : '', k === current ? h('strong', null, UNITS[k][0]) : link(`#${page}${k === 'cpus' ? '' : '?plot=mem'}`, UNITS[k][0])]));
}

/** The window the plots show: what the page has seen, at least a minute, at most HISTORY_MS. */
export const plotWindow = (s: Snapshot, history: readonly Sample[]): number => s.at - Math.min(HISTORY_MS, Math.max(60_000, s.at - (history[0]?.t ?? s.at)));

/** Allocation per role and per framework, and task states, over the last minutes. */
export function plots(s: Snapshot, history: readonly Sample[], k: PlotResource): HTMLElement {
  const from = plotWindow(s, history);
  const [name, unit] = UNITS[k];
  return h(
    'div',
    { class: 'plots' },
    linePlot(`${name} allocated per role`, unit, seriesOf(history, (x) => x.roles[k]), from, s.at),
    linePlot(`${name} allocated per framework`, unit, seriesOf(history, (x) => x.frameworks[k]), from, s.at),
    linePlot('Tasks by state', 'tasks', seriesOf(history, (x) => x.states), from, s.at),
  );
}

const wide = (e: HTMLElement): HTMLElement => {
  e.classList.add('wide');
  return e;
};

export const dashboard = simple((s, ctx, history) => {
  const st = s.state;
  const m = s.metrics;
  const total = { cpus: m['master/cpus_total'] ?? 0, gpus: m['master/gpus_total'] ?? 0, mem: m['master/mem_total'] ?? 0, disk: m['master/disk_total'] ?? 0 };
  const used = { cpus: m['master/cpus_used'] ?? 0, gpus: m['master/gpus_used'] ?? 0, mem: m['master/mem_used'] ?? 0, disk: m['master/disk_used'] ?? 0 };
  const offered = { cpus: m['master/cpus_offered'] ?? 0, gpus: m['master/gpus_offered'] ?? 0, mem: m['master/mem_offered'] ?? 0, disk: m['master/disk_offered'] ?? 0 };
  const idle = { cpus: Math.max(0, total.cpus - used.cpus - offered.cpus), gpus: Math.max(0, total.gpus - used.gpus - offered.gpus), mem: Math.max(0, total.mem - used.mem - offered.mem), disk: Math.max(0, total.disk - used.disk - offered.disk) };
  const all = [...st.frameworks, ...st.completed_frameworks];
  const active = all.flatMap((f) => [...f.tasks, ...f.unreachable_tasks]);
  const completed = all.flatMap((f) => [...f.completed_tasks, ...f.tasks.filter((t) => TERMINAL.has(t.state))]);
  return [
    h('h1', null, 'Dashboard'),
    h(
      'div',
      { class: 'grid' },
      section(
        'Cluster',
        infoList([
          ['Cluster', st.cluster ?? '(unnamed)'],
          ['Leader', st.leader],
          ['Version', st.version],
          ['Started', time(st.start_time)],
          ['Elected', time(st.elected_time)],
        ]),
      ),
      section('Tasks', table(['', 'Count'], COUNTERS.map(([name, key]) => h('tr', { 'data-counter': name.toLowerCase() }, h('th', { scope: 'row' }, name), h('td', null, String(m[key] ?? 0)))), '', 'counters')),
      section('Agents', infoList([
        ['Activated', link('#/agents', String(st.activated_slaves))],
        ['Deactivated', String(st.deactivated_slaves)],
        ['Unreachable', String(st.unreachable_slaves)],
      ])),
      wide(section('Resources', resourcesTable([['Total', total], ['Used', used], ['Offered', offered], ['Idle', idle]]))),
    ),
    section('Over the last minutes', plotSwitch('/', plotResource(ctx.query)), plots(s, history, plotResource(ctx.query))),
    section('Active tasks', tasksTable(st, active.filter((t) => !TERMINAL.has(t.state)), false, 'No active tasks.')),
    section('Completed tasks', tasksTable(st, completed, true, 'No completed tasks.')),
  ];
});
