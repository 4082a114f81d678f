/**
 * Read-only HTTP endpoints of the master with Mesos's paths: /master/state,
 * /master/metrics/snapshot (also at /metrics/snapshot), /master/health, and
 * /master/frameworks, /master/slaves, /master/tasks, each also at the top
 * level as Mesos serves them.
 */
import type { HttpRequest, HttpResponse } from 'libprocess-ts';
import type { MasterProcess } from './master.js';

const json = (body: unknown): HttpResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Installs the routes; call from the master's `initialize`. */
export function installStateRoutes(master: MasterProcess): void {
  const id = master.pid.id;
  master.route('/state', () => json(master.stateSummary()));
  master.route('/metrics/snapshot', () => json(master.metrics()));
  master.route('/health', () => ({ status: 200, body: '' }));
  master.route('/frameworks', (req: HttpRequest) => {
    const state = master.stateSummary();
    const wanted = req.query.get('framework_id');
    const pick = (list: unknown): unknown[] => (list as { id: string }[]).filter((f) => wanted === null || f.id === wanted);
    return json({ frameworks: pick(state['frameworks']), completed_frameworks: pick(state['completed_frameworks']) });
  });
  master.route('/slaves', () => json({ slaves: master.stateSummary()['slaves'] }));
  master.route('/tasks', (req: HttpRequest) => {
    const limit = Math.max(0, Math.min(Number(req.query.get('limit') ?? 100) || 100, 10_000));
    const offset = Math.max(0, Number(req.query.get('offset') ?? 0) || 0);
    const frameworks = master.stateSummary()['frameworks'] as { tasks: unknown[]; completed_tasks: unknown[] }[];
    const tasks = frameworks.flatMap((f) => [...f.tasks, ...f.completed_tasks]);
    return json({ tasks: tasks.slice(offset, offset + limit) });
  });
  for (const path of ['/state', '/metrics/snapshot', '/health', '/frameworks', '/slaves', '/tasks']) {
    master.runtime.http.alias(path, `/${id}${path}`);
  }
}
