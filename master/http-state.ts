/**
 * Read-only HTTP endpoints of the master with Mesos's paths: /master/state,
 * /master/metrics/snapshot (also at /metrics/snapshot), /master/health, and
 * /master/frameworks, /master/slaves, /master/tasks, each also at the top
 * level as Mesos serves them.
 */
import type { HttpRequest, HttpResponse } from 'libprocess-ts';
import { forbidden } from '../protocol/auth/http.js';
import { prometheus } from '../protocol/json/index.js';
import { masterState, rolesJson } from './state.js';
import type { MasterView } from './view.js';
import { flagTexts } from './flag-texts.js';

const json = (body: unknown): HttpResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Installs the routes; call from the master's `initialize`. */
export function installStateRoutes(master: MasterView): void {
  const id = master.pid.id;
  const auth = master.auth;
  const state = (principal: string | undefined): Record<string, unknown> => masterState(master, auth.viewer(principal));
  master.route('/state', auth.readonly((_req, p) => json(state(p))));
  master.route('/metrics/snapshot', auth.readonly(() => json(master.metrics()), '/metrics/snapshot'));
  master.route('/health', () => ({ status: 200, body: '' }));
  master.route('/frameworks', auth.readonly((req: HttpRequest, p) => {
    const s = state(p);
    const wanted = req.query.get('framework_id');
    const pick = (list: unknown): unknown[] => (list as { id: string }[]).filter((f) => wanted === null || f.id === wanted);
    return json({ frameworks: pick(s['frameworks']), completed_frameworks: pick(s['completed_frameworks']) });
  }));
  master.route('/slaves', auth.readonly((_req, p) => json({ slaves: state(p)['slaves'] })));
  master.route('/tasks', auth.readonly((req: HttpRequest, p) => {
    const limit = Math.max(0, Math.min(Number(req.query.get('limit') ?? 100) || 100, 10_000));
    const offset = Math.max(0, Number(req.query.get('offset') ?? 0) || 0);
    const frameworks = state(p)['frameworks'] as { tasks: unknown[]; completed_tasks: unknown[] }[];
    const tasks = frameworks.flatMap((f) => [...f.tasks, ...f.completed_tasks]);
    return json({ tasks: tasks.slice(offset, offset + limit) });
  }));
  master.route('/state-summary', auth.readonly((_req, p) => {
    const s = state(p);
    const frameworks = s['frameworks'] as Record<string, unknown>[];
    const slaves = s['slaves'] as Record<string, unknown>[];
    return json({
      hostname: s['hostname'],
      cluster: s['cluster'] ?? '',
      frameworks: frameworks.map((f) => ({ id: f['id'], name: f['name'], active: f['active'], connected: f['connected'], used_resources: f['used_resources'], offered_resources: f['offered_resources'], capabilities: f['capabilities'], hostname: f['hostname'], webui_url: f['webui_url'], slave_ids: [...new Set((f['tasks'] as { slave_id: string }[]).map((t) => t.slave_id))] })),
      slaves: slaves.map((a) => ({ id: a['id'], pid: a['pid'], hostname: a['hostname'], resources: a['resources'], used_resources: a['used_resources'], offered_resources: a['offered_resources'], active: a['active'], registered_time: a['registered_time'] })),
    });
  }));
  master.route('/roles', auth.readonly((_req, p) => json(rolesJson(master, auth.viewer(p)))));
  master.route('/flags', auth.readonly((_req, p) => {
    const d = auth.authorizer.authorize('view_flags', p, undefined);
    return d.allowed ? json({ flags: Object.fromEntries(flagTexts(master.flags)) }) : forbidden(d.message);
  }));
  master.route('/version', () => json({ version: master.version }));
  master.route('/metrics', auth.readonly(() => ({ status: 200, headers: { 'content-type': 'text/plain; version=0.0.4' }, body: prometheus(master.metrics()) }), '/metrics'));
  for (const path of ['/state', '/metrics/snapshot', '/health', '/frameworks', '/slaves', '/tasks', '/state-summary', '/roles', '/flags', '/redirect', '/version', '/metrics']) {
    master.runtime.http.alias(path, `/${id}${path}`);
  }
}

/** Prometheus text format (shared with the agent's /metrics): protocol/json/prometheus.ts. */
export { prometheus };
