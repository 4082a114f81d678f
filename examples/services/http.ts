/**
 * The services scheduler's own HTTP endpoint, served on its libprocess-ts
 * runtime's port (the process id is `apps`):
 *   GET /apps          every app (one per scheduler here) with its instances
 *   GET /apps/<id>     one app
 *   PUT /apps/<id>     a JSON (partial) spec: `{"instances": 5}` scales,
 *                      `{"command": "..."}` (or resources, ports, healthCheck,
 *                      constraints, onePerHost) rolls out a new version
 */
import { Process, type Handlers, type HttpRequest, type HttpResponse } from 'libprocess-ts';
import type { ServiceScheduler } from './service-scheduler.js';

/** What GET answers for an app. */
export function appStatus(s: ServiceScheduler): Record<string, unknown> {
  const instances = s.instances().map((i) => ({ taskId: i.taskId, host: i.hostname ?? null, ports: i.ports, agentId: i.agentId, state: i.state, version: i.version, healthy: i.healthy ?? null, killing: i.killing }));
  return { app: s.app, version: s.version, deploying: s.deploying, reconciling: s.reconciling, launched: s.launched, replaced: s.replaced, moved: s.moved, leaving: s.leaving, instances };
}

type NoMessages = Record<never, never>;

export class AppsHttpProcess extends Process<NoMessages> {
  constructor(private readonly service: ServiceScheduler) {
    super();
  }

  protected handlers(): Handlers<NoMessages> {
    return {};
  }

  override initialize(): void {
    this.route('', (req) => this.#list(req));
    this.route(`/${this.service.app.id}`, (req) => this.#one(req));
  }

  #list(req: HttpRequest): HttpResponse {
    if (req.method !== 'GET') return { status: 405, headers: { allow: 'GET' }, body: `${req.method} not allowed on /apps; use GET\n` };
    return { status: 200, body: { apps: [appStatus(this.service)] } };
  }

  async #one(req: HttpRequest): Promise<HttpResponse> {
    if (req.method === 'GET') return { status: 200, body: appStatus(this.service) };
    if (req.method !== 'PUT') return { status: 405, headers: { allow: 'GET, PUT' }, body: `${req.method} not allowed on /apps/${this.service.app.id}; use GET or PUT\n` };
    let change: unknown;
    try {
      change = JSON.parse(req.body.toString('utf8'));
    } catch (e) {
      return { status: 400, body: { error: `body is not JSON: ${(e as Error).message}` } };
    }
    if (typeof change === 'object' && change !== null && !Array.isArray(change) && !('id' in change)) change = { ...change, id: this.service.app.id };
    try {
      await this.service.update(change);
    } catch (e) {
      return { status: 400, body: { error: (e as Error).message } };
    }
    return { status: 200, body: appStatus(this.service) };
  }
}
