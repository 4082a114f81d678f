/** A task's page: its statuses, and its sandbox (directory listing, files followed in the page, downloads). */
import { bytes, h, link, section, table, time } from '../dom.js';
import { browse, downloadUrl, sandboxDirectory, tailFile, type FileEntry } from '../sandbox.js';
import { TERMINAL, type FrameworkJson, type Snapshot, type TaskJson } from '../types.js';
import { agentAddress, agentById, agentHref, frameworkById, frameworkHref, infoList, resourcesTable, stateBadge } from './common.js';
import type { View, ViewContext } from './view.js';

function findTask(s: Snapshot, frameworkId: string, taskId: string): TaskJson | undefined {
  const f = frameworkById(s.state, frameworkId);
  return f && [...f.tasks, ...f.unreachable_tasks, ...f.completed_tasks].find((t) => t.id === taskId);
}

/** `a/b/c` → the page's link with that directory (and maybe file). */
const hrefOf = (ctx: ViewContext, dir: string, file?: string): string => {
  const q = new URLSearchParams();
  if (dir !== '') q.set('dir', dir);
  if (file !== undefined) q.set('file', file);
  const query = q.toString();
  return `#/tasks/${encodeURIComponent(ctx.params[0]!)}/${encodeURIComponent(ctx.params[1]!)}${query ? `?${query}` : ''}`;
};

const clean = (rel: string | null): string => (rel ?? '').split('/').filter((c) => c !== '' && c !== '.' && c !== '..').join('/');

/** The task's executor: none (the command executor), the default executor of a task group, or a custom one. */
function executorLabel(t: TaskJson, executors: FrameworkJson['executors']): string {
  if (t.executor_id === '') return '(command executor)';
  const e = executors?.find((x) => x.executor_id === t.executor_id && x.slave_id === t.slave_id);
  return e?.type === 'DEFAULT' ? `${t.executor_id} (default executor: a task group, this task in a nested container)` : t.executor_id;
}

export function task(ctx: ViewContext): View {
  const [frameworkId, taskId] = [ctx.params[0]!, ctx.params[1]!];
  const dir = clean(ctx.query.get('dir'));
  const file = ctx.query.has('file') ? clean(ctx.query.get('file')) : undefined;
  const head = h('div');
  const sandbox = section('Sandbox', h('p', { class: 'note' }, 'Looking for the sandbox on the agent...'));
  sandbox.classList.add('sandbox');
  ctx.root.replaceChildren(head, sandbox);
  let started = false;
  let disposed = false;
  const stops: (() => void)[] = [];

  /** Lists the directory shown again (each snapshot, so new files appear); set once the sandbox is found. */
  let relist: (() => Promise<void>) | undefined;
  let relisting = false;

  const rowsOf = (agent: string, entries: readonly FileEntry[]): HTMLTableRowElement[] =>
    entries.map((e) => {
      const name = e.path.slice(e.path.lastIndexOf('/') + 1);
      const rel = dir === '' ? name : `${dir}/${name}`;
      const isDir = e.mode.startsWith('d');
      return h(
        'tr',
        { 'data-file': name },
        h('td', { 'data-label': 'Mode' }, h('code', null, e.mode)),
        h('td', { 'data-label': 'Name' }, link(isDir ? hrefOf(ctx, rel) : hrefOf(ctx, dir, rel), isDir ? `${name}/` : name)),
        h('td', { 'data-label': 'Size' }, bytes(e.size)),
        h('td', { 'data-label': 'Modified' }, time(e.mtime)),
        h('td', { 'data-label': '' }, isDir ? '' : h('a', { href: downloadUrl(agent, e.path), download: name, class: 'download' }, 'Download')),
      );
    });

  const openSandbox = async (agent: string): Promise<void> => {
    let root: string;
    try {
      root = await sandboxDirectory(agent, frameworkId, taskId);
    } catch (err) {
      sandbox.replaceChildren(h('h2', null, 'Sandbox'), h('p', { class: 'error' }, (err as Error).message));
      return;
    }
    if (disposed) return;
    const crumbs: (Node | string)[] = [link(hrefOf(ctx, ''), 'sandbox')];
    dir.split('/').filter((c) => c !== '').forEach((c, i, all) => crumbs.push(' / ', link(hrefOf(ctx, all.slice(0, i + 1).join('/')), c)));
    const listing = h('div', { class: 'listing' }, h('p', { class: 'note' }, 'Listing...'));
    const parts: HTMLElement[] = [h('h2', null, 'Sandbox'), h('nav', { class: 'crumbs path' }, crumbs), listing];
    if (file !== undefined) {
      const followBox = h('input', { type: 'checkbox', checked: true, id: 'follow' });
      const pre = h('pre', { class: 'file-view', 'data-path': file });
      const problem = h('p', { class: 'error', hidden: true });
      parts.push(
        h('div', { class: 'viewer-head' }, h('h3', null, file), h('label', null, followBox, ' follow the end'), h('a', { href: downloadUrl(agent, `${root}/${file}`), download: file.split('/').pop() ?? file }, 'Download')),
        problem,
        pre,
      );
      stops.push(
        tailFile(agent, `${root}/${file}`, pre, () => followBox.checked, (message) => {
          problem.hidden = false;
          problem.textContent = message;
        }),
      );
    }
    sandbox.replaceChildren(...parts);
    const here = dir === '' ? root : `${root}/${dir}`;
    relist = async () => {
      try {
        const entries = await browse(agent, here);
        if (!disposed) listing.replaceChildren(table(['Mode', 'Name', 'Size', 'Modified', ''], rowsOf(agent, entries), 'Empty directory.', 'files'));
      } catch (err) {
        if (!disposed) listing.replaceChildren(h('p', { class: 'error' }, (err as Error).message));
      }
    };
    await relist();
  };

  return {
    update(s) {
      const t = findTask(s, frameworkId, taskId);
      if (t === undefined) {
        head.replaceChildren(h('h1', null, 'Task'), h('p', { class: 'error' }, `No task ${taskId} of framework ${frameworkId} in this master's state.`));
        return;
      }
      const agent = agentById(s.state, t.slave_id);
      const f = frameworkById(s.state, frameworkId);
      const statuses = t.statuses.map((x) => h('tr', null, h('td', { 'data-label': 'State' }, stateBadge(x.state)), h('td', { 'data-label': 'Time' }, time(x.timestamp))));
      head.replaceChildren(
        h('nav', { class: 'crumbs' }, link('#/frameworks', 'Frameworks'), ' / ', link(frameworkHref(frameworkId), f?.name ?? frameworkId), ' / ', t.id),
        h('h1', null, `Task ${t.name || t.id}`),
        h(
          'div',
          { class: 'grid' },
          section(
            'Task',
            infoList([
              ['ID', t.id],
              ['Name', t.name],
              ['State', stateBadge(t.state)],
              ['Framework', link(frameworkHref(frameworkId), f?.name ?? frameworkId)],
              ['Agent', agent ? h('a', { href: agentHref(agent.id), class: 'agent-link' }, agent.hostname) : t.slave_id],
              ['Executor', executorLabel(t, f?.executors)],
              ['Terminal', TERMINAL.has(t.state) ? 'yes' : 'no'],
            ]),
          ),
          section('Resources', resourcesTable([['Task', t.resources]])),
          section('Statuses', table(['State', 'Time'], statuses, 'No status yet.')),
        ),
      );
      if (relist !== undefined && !relisting) {
        relisting = true;
        void relist().finally(() => (relisting = false));
      }
      if (!started && agent !== undefined) {
        started = true;
        void openSandbox(agentAddress(agent));
      } else if (!started) {
        sandbox.replaceChildren(h('h2', null, 'Sandbox'), h('p', { class: 'note' }, `Agent ${t.slave_id} is not registered with this master: its sandbox cannot be read now.`));
      }
    },
    dispose() {
      disposed = true;
      for (const stop of stops) stop();
    },
  };
}
