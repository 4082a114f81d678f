/**
 * The agent's classic endpoints beside /state and /files (http.ts):
 * `/containers` (Mesos's JSON list of the running containers with their
 * resource statistics; `?show_nested=true` adds the nested ones, each
 * status naming its parent) and libprocess's `/logging/toggle?level=&duration=`
 * (the verbosity for a while; without a query, the level now).
 */
import type { HttpRequest, HttpResponse } from 'libprocess-ts';
import { toggleRequest } from '../protocol/logging.js';
import type { AgentView } from './view.js';
import { getContainers } from './http-operator.js';

const text = (status: number, message: string): HttpResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${message}\n` });

export function installClassicRoutes(agent: AgentView): void {
  agent.route('/containers', agent.httpAuth.readonly(async (req: HttpRequest) => {
    const { containers } = await getContainers(agent, req.query.get('show_nested') === 'true');
    const body = containers.map((c) => ({
      container_id: c.container_id.value,
      executor_id: c.executor_id?.value ?? '',
      executor_name: c.executor_name ?? '',
      framework_id: c.framework_id?.value ?? '',
      source: '',
      statistics: c.resource_statistics ?? {},
      status: { container_id: c.container_id },
    }));
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  }));
  agent.route('/logging/toggle', (req: HttpRequest) => {
    const r = toggleRequest(req.query.get('level'), req.query.get('duration'));
    const who = agent.httpAuth.authenticate(req, r === undefined ? 'readonly' : 'readwrite');
    if ('response' in who) return who.response;
    if (r === undefined) return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${agent.runtime.logging.level}\n` };
    if (r instanceof Error) return text(400, r.message);
    agent.runtime.logging.set(r.level, r.durationMs, agent.clock);
    agent.logger.info(`logging level set to ${r.level} for ${r.durationMs} ms (/logging/toggle)`);
    return { status: 200 };
  });
}
