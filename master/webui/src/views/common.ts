/** Tables and look-ups the pages share. */
import { address, h, link, mb, num, table, time } from '../dom.js';
import type { AgentJson, FrameworkJson, MasterStateJson, ResourceMap, TaskJson } from '../types.js';

export const taskHref = (t: TaskJson): string => `#/tasks/${encodeURIComponent(t.framework_id)}/${encodeURIComponent(t.id)}`;
export const agentHref = (id: string): string => `#/agents/${encodeURIComponent(id)}`;
export const frameworkHref = (id: string): string => `#/frameworks/${encodeURIComponent(id)}`;

export function agentById(state: MasterStateJson, id: string): AgentJson | undefined {
  return state.slaves.find((a) => a.id === id);
}

export function frameworkById(state: MasterStateJson, id: string): FrameworkJson | undefined {
  return state.frameworks.find((f) => f.id === id) ?? state.completed_frameworks.find((f) => f.id === id);
}

/** Time of the first RUNNING status (else the first status), and of the terminal one. */
export function started(t: TaskJson): number | undefined {
  return (t.statuses.find((s) => s.state === 'TASK_RUNNING') ?? t.statuses[0])?.timestamp;
}

export function stopped(t: TaskJson, terminal: boolean): number | undefined {
  return terminal ? t.statuses[t.statuses.length - 1]?.timestamp : undefined;
}

export const stateBadge = (state: string): HTMLElement => h('span', { class: `state ${state.toLowerCase().replace('task_', 's-')}` }, state);

/** Tasks with id, name, state, started, stopped, host; newest first. */
export function tasksTable(state: MasterStateJson, tasks: readonly TaskJson[], terminal: boolean, empty: string, limit = 100): HTMLElement {
  const sorted = [...tasks].sort((a, b) => (started(b) ?? 0) - (started(a) ?? 0)).slice(0, limit);
  const rows = sorted.map((t) => {
    const agent = agentById(state, t.slave_id);
    return h(
      'tr',
      { 'data-task-id': t.id },
      h('td', { 'data-label': 'ID' }, link(taskHref(t), t.id)),
      h('td', { 'data-label': 'Name' }, t.name),
      h('td', { 'data-label': 'State', class: 'task-state' }, stateBadge(t.state)),
      h('td', { 'data-label': 'Started' }, time(started(t))),
      h('td', { 'data-label': 'Stopped' }, time(stopped(t, terminal))),
      h('td', { 'data-label': 'Host' }, agent ? link(agentHref(agent.id), agent.hostname) : t.slave_id),
    );
  });
  const more = tasks.length > limit ? h('p', { class: 'note' }, `Showing the newest ${limit} of ${tasks.length}.`) : null;
  return h('div', null, table(['ID', 'Name', 'State', 'Started', 'Stopped', 'Host'], rows, empty, terminal ? 'tasks completed' : 'tasks active'), more);
}

/** CPUs, GPUs, memory, disk as rows, with the given columns. */
export function resourcesTable(columns: readonly [string, ResourceMap][]): HTMLElement {
  const row = (label: string, pick: (r: ResourceMap) => number, fmt: (v: number) => string): HTMLTableRowElement =>
    h('tr', null, h('th', { scope: 'row' }, label), columns.map(([name, r]) => h('td', { 'data-label': name }, fmt(pick(r)))));
  return table(
    ['', ...columns.map(([name]) => name)],
    [row('CPUs', (r) => r.cpus, num), row('GPUs', (r) => r.gpus, num), row('Memory', (r) => r.mem, mb), row('Disk', (r) => r.disk, mb)],
    '',
    'resources',
  );
}

export const minus = (a: ResourceMap, ...bs: ResourceMap[]): ResourceMap => ({
  cpus: Math.max(0, bs.reduce((v, b) => v - b.cpus, a.cpus)),
  gpus: Math.max(0, bs.reduce((v, b) => v - b.gpus, a.gpus)),
  mem: Math.max(0, bs.reduce((v, b) => v - b.mem, a.mem)),
  disk: Math.max(0, bs.reduce((v, b) => v - b.disk, a.disk)),
});

export const sum = (list: readonly ResourceMap[]): ResourceMap =>
  list.reduce((a, b) => ({ cpus: a.cpus + b.cpus, gpus: a.gpus + b.gpus, mem: a.mem + b.mem, disk: a.disk + b.disk }), { cpus: 0, gpus: 0, mem: 0, disk: 0 });

/** Key/value rows. */
export function infoList(items: readonly [string, Node | string][]): HTMLElement {
  return h('dl', { class: 'info' }, items.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

export const agentAddress = (a: AgentJson): string => address(a.pid);
