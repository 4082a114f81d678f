/**
 * The master's classic (pre-v1) HTTP endpoints, with Mesos's paths and
 * forms, through the same authentication and ACLs as the operator API:
 *
 * - `POST /master/teardown` (form `frameworkId=<id>`): tears a framework down;
 * - `/master/quota`: GET the quota status, POST a quota.QuotaRequest (the
 *   deprecated SET_QUOTA), DELETE `/master/quota/<role>`;
 * - `/master/weights`: GET the WeightInfo list, PUT a new one;
 * - `/logging/toggle?level=&duration=` (libprocess's, also at
 *   `/master/logging/toggle`): the verbosity for a while, or (no query) the
 *   level now;
 * - `.json` aliases of the read-only JSON endpoints (`/master/state.json`, ...);
 * - `/master/redirect`: 307 to `//<leader host>:<port>` (a protocol-relative
 *   URL, as Mesos answers).
 */
import type { HttpRequest, HttpResponse } from 'libprocess-ts';
import { forbidden } from '../protocol/auth/http.js';
import { toggleRequest } from '../protocol/logging.js';
import { isValidRole, roleError } from '../protocol/roles.js';
import { parseQuotaRequest, parseRemoveQuota } from './operator-quota.js';
import type { Access } from './http-auth.js';
import type { OperatorApiHost } from './view.js';

const text = (status: number, message: string): HttpResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${message}\n` });
const json = (body: unknown): HttpResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Read-only JSON endpoints Mesos also served with `.json` (older tools still ask for them). */
const JSON_ALIASES = ['/state', '/state-summary', '/frameworks', '/slaves', '/tasks', '/roles', '/flags'];

export function installClassicRoutes(master: OperatorApiHost): void {
  const id = master.pid.id;
  const auth = master.auth;
  type Handler = (req: HttpRequest, principal: string | undefined) => HttpResponse | Promise<HttpResponse>;
  /** Authenticated for `access` (by method: reads are read-only), then the handler. */
  const guarded = (accessOf: (req: HttpRequest) => Access, handler: Handler) => (req: HttpRequest): HttpResponse | Promise<HttpResponse> => {
    const who = auth.authenticate(req, accessOf(req));
    return 'response' in who ? who.response : handler(req, who.principal);
  };
  const denied = (action: 'teardown_frameworks' | 'update_quotas' | 'update_weights' | 'set_log_level', principal: string | undefined, object: string | undefined): HttpResponse | undefined => {
    const d = auth.authorizer.authorize(action, principal, object);
    return d.allowed ? undefined : forbidden(d.message);
  };
  const byMethod = (req: HttpRequest): Access => (req.method === 'GET' || req.method === 'HEAD' ? 'readonly' : 'readwrite');

  master.route('/teardown', guarded(() => 'readwrite', (req, principal) => {
    if (req.method !== 'POST') return { status: 405, headers: { allow: 'POST' }, body: `Expecting 'POST', received '${req.method}'\n` };
    const id = formField(req, 'frameworkId');
    if (id === undefined) return text(400, "Missing 'frameworkId' query parameter in the request body");
    const framework = master.state.frameworks.get(id);
    if (framework === undefined) return text(400, `No framework found with specified ID ${id}`);
    const no = denied('teardown_frameworks', principal, framework.info.principal);
    if (no !== undefined) return no;
    master.operator.teardown(id);
    return { status: 200 };
  }));

  const existing = (role: string): boolean => master.state.quotas.has(role);
  master.route('/quota', guarded(byMethod, (req, principal) => {
    switch (req.method) {
      case 'GET': {
        const viewer = auth.viewer(principal);
        const configs = [...master.state.quotas].filter(([role]) => viewer.role(role)).map(([role, q]) => ({ role, guarantees: scalars(q.guarantees), limits: scalars(q.limits) }));
        return json({ configs });
      }
      case 'POST': {
        let body: unknown;
        try {
          body = JSON.parse(req.body.toString('utf8'));
        } catch (err) {
          return text(400, `Failed to parse set quota request JSON: ${(err as Error).message}`);
        }
        const r = parseQuotaRequest(body, 'quota request', existing);
        if (!r.ok) return text(r.status, r.message);
        const no = denied('update_quotas', principal, r.value.role);
        if (no !== undefined) return no;
        master.operator.updateQuota(r.value.role, r.value.guarantees, r.value.limits);
        return { status: 200 };
      }
      case 'DELETE': {
        const parts = req.path.split('/').filter((p) => p !== '');
        const at = parts.lastIndexOf('quota');
        if (at < 0 || at !== parts.length - 2) return text(400, `Failed to parse remove quota request for path '${req.path}': expected /master/quota/<role>`);
        const r = parseRemoveQuota(parts[at + 1], 'role', existing);
        if (!r.ok) return text(r.status, r.message);
        const no = denied('update_quotas', principal, r.value);
        if (no !== undefined) return no;
        master.operator.updateQuota(r.value, {}, {});
        return { status: 200 };
      }
      default:
        return { status: 405, headers: { allow: 'GET, POST, DELETE' }, body: `Expecting 'GET', 'POST' or 'DELETE', received '${req.method}'\n` };
    }
  }), { prefix: true });

  master.route('/weights', guarded(byMethod, (req, principal) => {
    if (req.method === 'GET') {
      const viewer = auth.viewer(principal);
      return json([...master.state.weights].filter(([role]) => viewer.role(role)).map(([role, weight]) => ({ role, weight })));
    }
    if (req.method !== 'PUT') return { status: 405, headers: { allow: 'GET, PUT' }, body: `Expecting 'GET' or 'PUT', received '${req.method}'\n` };
    let infos: unknown;
    try {
      infos = JSON.parse(req.body.toString('utf8'));
    } catch (err) {
      return text(400, `Failed to parse update weights request JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(infos)) return text(400, 'Failed to convert weights JSON array: expected a list of {"role": ..., "weight": ...}');
    const weights: Record<string, number> = {};
    for (const [i, w] of infos.entries()) {
      const { role, weight } = (w ?? {}) as { role?: unknown; weight?: unknown };
      if (typeof role !== 'string' || !isValidRole(role)) return text(400, `[${i}].role: ${typeof role === 'string' ? roleError(role) : 'expected a string'}`);
      if (typeof weight !== 'number' || !(weight > 0)) return text(400, `[${i}].weight: expected a number > 0`);
      weights[role] = weight;
    }
    for (const role of Object.keys(weights)) {
      const no = denied('update_weights', principal, role);
      if (no !== undefined) return no;
    }
    master.operator.updateWeights(weights);
    return { status: 200 };
  }));

  // libprocess's /logging/toggle: reading the level is read-only, setting it read-write.
  const toggleAccess = (req: HttpRequest): Access => (req.query.has('level') || req.query.has('duration') ? 'readwrite' : 'readonly');
  master.route('/logging/toggle', guarded(toggleAccess, (req, principal) => {
    const r = toggleRequest(req.query.get('level'), req.query.get('duration'));
    if (r === undefined) return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${master.runtime.logging.level}\n` };
    if (r instanceof Error) return text(400, r.message);
    const no = denied('set_log_level', principal, undefined);
    if (no !== undefined) return no;
    master.runtime.logging.set(r.level, r.durationMs, master.clock);
    master.runtime.logger.info(`logging level set to ${r.level} for ${r.durationMs} ms (/logging/toggle)`);
    return { status: 200 };
  }));

  master.route('/redirect', (req) => {
    const info = master.masterInfo();
    const base = `//${info.hostname ?? master.pid.host}:${info.port}`;
    const path = req.path.split('/').filter((p) => p !== '');
    // `/master/redirect/...` would loop: 404, as Mesos.
    if (path[path.length - 1] !== 'redirect') return text(404, `No route for ${req.path}`);
    return { status: 307, headers: { location: base }, body: '' };
  });

  for (const path of JSON_ALIASES) master.runtime.http.alias(`/${id}${path}.json`, `/${id}${path}`);
  master.runtime.http.alias('/logging/toggle', `/${id}/logging/toggle`);
}

/** quota.QuotaConfig's map of name -> Value.Scalar. */
function scalars(q: Record<string, number>): Record<string, { value: number }> {
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, { value: v }]));
}

/** A field of an `application/x-www-form-urlencoded` body (or of the query string, which Mesos also reads). */
function formField(req: HttpRequest, name: string): string | undefined {
  const fromBody = new URLSearchParams(req.body.toString('utf8')).get(name);
  const v = fromBody ?? req.query.get(name);
  return v === null || v === '' ? undefined : v;
}
