/**
 * The web UI's entry point: reads the master, follows its event stream, and
 * draws the page the URL's hash names, again on every change.
 */
import { subscribe } from './api.js';
import { h, link } from './dom.js';
import { parseRoute, type Route } from './router.js';
import { Store } from './store.js';
import { agent, agents } from './views/agents.js';
import { dashboard } from './views/dashboard.js';
import { framework, frameworks } from './views/frameworks.js';
import { roles } from './views/roles.js';
import { task } from './views/task.js';
import { simple, type View, type ViewContext } from './views/view.js';

const unknown = simple((_s, ctx) => [h('h1', null, 'Not found'), h('p', null, `No page at #${ctx.params[0] ?? ''}. `, link('#/', 'Go to the dashboard'))]);
const VIEWS: Record<Route['name'], (ctx: ViewContext) => View> = { dashboard, frameworks, framework, agents, agent, task, roles, unknown };

const main = document.getElementById('main')!;
const status = document.getElementById('live')!;
const problem = document.getElementById('problem')!;
const store = new Store();
let view: View | undefined;
let shown: string | undefined;

function markNav(route: Route): void {
  const section = route.name === 'framework' || route.name === 'task' ? 'frameworks' : route.name === 'agent' ? 'agents' : route.name;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('header nav a')) a.classList.toggle('current', a.dataset['page'] === section);
}

function draw(): void {
  const route = parseRoute(location.hash);
  if (route.key !== shown) {
    view?.dispose?.();
    shown = route.key;
    main.replaceChildren();
    view = VIEWS[route.name]({ params: route.params, query: route.query, root: main });
    markNav(route);
    window.scrollTo(0, 0);
  }
  problem.hidden = store.error === undefined;
  problem.textContent = store.error === undefined ? '' : `Cannot read the master: ${store.error}`;
  if (store.snapshot !== undefined) {
    view!.update(store.snapshot, store.history);
    const st = store.snapshot.state;
    document.getElementById('cluster')!.textContent = st.cluster ?? st.hostname;
    document.title = `Mesos-ts ${st.cluster ?? st.hostname}`;
  }
}

/**
 * The event stream broke: when this master no longer leads (it answers 307),
 * go to the leader through /master/redirect (a standby sends it on; the
 * leader answers with its /), keeping the page's hash.
 */
async function followLeader(): Promise<void> {
  try {
    const res = await fetch('/master/state', { redirect: 'manual', cache: 'no-store' });
    if (res.type === 'opaqueredirect') location.assign(`/master/redirect${location.hash}`);
  } catch {
    // The master is down: keep retrying the stream.
  }
}

store.listen(draw);
window.addEventListener('hashchange', draw);
subscribe(
  () => store.changed(),
  (live, why) => {
    status.textContent = live ? 'live' : 'reconnecting';
    status.className = live ? 'live' : 'offline';
    status.title = why ?? 'following the master\'s event stream';
    if (live) store.changed();
    else void followLeader();
  },
);
store.start();
draw();
