/**
 * An app as the services scheduler runs it: the spec (command, instances,
 * resources, ports, health check, constraints), its validation for specs that
 * come from outside (flags, HTTP bodies), its version (a digest of what shapes
 * a task, so a restarted scheduler recognises its instances), and the TaskInfo
 * of one instance.
 */
import { createHash } from 'node:crypto';
import type { AttributeConstraint } from '../../protocol/attributes.js';
import { Resources } from '../../protocol/resources.js';
import type { HealthCheck, Offer, TaskInfo } from '../../protocol/types.js';

/** Marathon-like health check; the port is one of the instance's ports (by index). */
export interface AppHealthCheck {
  type: 'HTTP' | 'TCP' | 'COMMAND';
  /** HTTP and TCP: which of the instance's ports (default 0, i.e. $PORT0). */
  portIndex?: number;
  /** HTTP: path (default `/`). */
  path?: string;
  /** COMMAND: a shell command, exit 0 = healthy (sees $PORT0...). */
  command?: string;
  gracePeriodSeconds?: number;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  delaySeconds?: number;
  /** Failures in a row after which the agent kills the instance (default 3). */
  maxConsecutiveFailures?: number;
}

export interface AppSpec {
  /** Task ids are `<id>-<version>-<n>-<hex>`; tasks of other apps are left alone. */
  id: string;
  command: string;
  instances: number;
  /** Per instance, e.g. `cpus:0.1;mem:32`. */
  resources: string;
  /** Free ports per instance (given to the command as $PORT0, $PORT1 ...). */
  ports?: number;
  healthCheck?: AppHealthCheck;
  constraints?: AttributeConstraint[];
  /** At most one instance per hostname (Marathon's `hostname:UNIQUE`). */
  onePerHost?: boolean;
}

/** What a task is made of: a change here is a new version (rolled out instance by instance). */
export function appVersion(app: AppSpec): string {
  const shape = { command: app.command, resources: Resources.parse(app.resources).toString(), ports: app.ports ?? 0, healthCheck: app.healthCheck ?? null, constraints: app.constraints ?? [], onePerHost: app.onePerHost ?? false };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 8);
}

const APP_ID = /^[a-z0-9][a-z0-9_.]*$/;
const OPS = new Set(['EXISTS', 'EQUALS', 'IN', 'LIKE', 'UNLIKE', 'CONTAINS', 'GREATER_THAN', 'LESS_THAN']);

class SpecError extends Error {}

function fail(message: string): never {
  throw new SpecError(message);
}

function count(value: unknown, what: string, max = 1_000_000): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) fail(`${what} must be an integer from 0 to ${max}, got ${JSON.stringify(value)}`);
  return value;
}

function seconds(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`${what} must be a non-negative number of seconds, got ${JSON.stringify(value)}`);
  return value;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(`${what} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function healthCheck(value: unknown, ports: number): AppHealthCheck {
  const h = object(value, 'healthCheck');
  const known = new Set(['type', 'portIndex', 'path', 'command', 'gracePeriodSeconds', 'intervalSeconds', 'timeoutSeconds', 'delaySeconds', 'maxConsecutiveFailures']);
  for (const k of Object.keys(h)) if (!known.has(k)) fail(`healthCheck: unknown field '${k}'`);
  if (h.type !== 'HTTP' && h.type !== 'TCP' && h.type !== 'COMMAND') fail(`healthCheck.type must be HTTP, TCP or COMMAND, got ${JSON.stringify(h.type)}`);
  const out: AppHealthCheck = { type: h.type };
  if (h.type === 'COMMAND') out.command = text(h.command, 'healthCheck.command');
  else {
    const index = h.portIndex === undefined ? 0 : count(h.portIndex, 'healthCheck.portIndex', 1000);
    if (index >= ports) fail(`healthCheck.portIndex ${index} needs at least ${index + 1} port(s), the app has ${ports}`);
    out.portIndex = index;
    if (h.type === 'HTTP' && h.path !== undefined) {
      if (typeof h.path !== 'string' || !h.path.startsWith('/')) fail(`healthCheck.path must start with '/', got ${JSON.stringify(h.path)}`);
      out.path = h.path;
    }
  }
  for (const k of ['gracePeriodSeconds', 'intervalSeconds', 'timeoutSeconds', 'delaySeconds'] as const) {
    const v = seconds(h[k], `healthCheck.${k}`);
    if (v !== undefined) out[k] = v;
  }
  if (h.maxConsecutiveFailures !== undefined) out.maxConsecutiveFailures = count(h.maxConsecutiveFailures, 'healthCheck.maxConsecutiveFailures', 1000);
  return out;
}

function constraints(value: unknown): AttributeConstraint[] {
  if (!Array.isArray(value)) fail('constraints must be an array');
  return value.map((c, i) => {
    const o = object(c, `constraints[${i}]`);
    text(o.name, `constraints[${i}].name`);
    if (typeof o.op !== 'string' || !OPS.has(o.op)) fail(`constraints[${i}].op must be one of ${[...OPS].join(', ')}, got ${JSON.stringify(o.op)}`);
    if (o.op === 'EQUALS' || o.op === 'CONTAINS') {
      if (typeof o.value !== 'string' && typeof o.value !== 'number') fail(`constraints[${i}].value must be a string or number`);
    } else if (o.op === 'GREATER_THAN' || o.op === 'LESS_THAN') {
      if (typeof o.value !== 'number') fail(`constraints[${i}].value must be a number`);
    } else if (o.op === 'IN') {
      if (!Array.isArray(o.values)) fail(`constraints[${i}].values must be an array`);
    } else if (o.op === 'LIKE' || o.op === 'UNLIKE') text(o.pattern, `constraints[${i}].pattern`);
    return o as unknown as AttributeConstraint;
  });
}

/**
 * Validates an app spec from outside (JSON). `base` fills the fields the
 * input leaves out (a PUT that only says `{"instances": 3}`). Throws an Error
 * naming the bad field.
 */
export function parseAppSpec(input: unknown, base?: AppSpec): AppSpec {
  try {
    const o = object(input, 'app spec');
    const known = new Set(['id', 'command', 'instances', 'resources', 'ports', 'healthCheck', 'constraints', 'onePerHost']);
    for (const k of Object.keys(o)) if (!known.has(k)) fail(`unknown field '${k}'`);
    const merged = { ...(base ?? {}), ...o } as Record<string, unknown>;
    const id = text(merged.id, 'id');
    if (!APP_ID.test(id)) fail(`id must match ${APP_ID}, got ${JSON.stringify(id)}`);
    if (base !== undefined && id !== base.id) fail(`id cannot change (${base.id} -> ${id})`);
    const resources = text(merged.resources, 'resources');
    try {
      Resources.parse(resources);
    } catch (e) {
      fail(`resources: ${(e as Error).message}`);
    }
    const ports = merged.ports === undefined ? 0 : count(merged.ports, 'ports', 100);
    const app: AppSpec = { id, command: text(merged.command, 'command'), instances: count(merged.instances, 'instances', 10_000), resources, ports };
    // A health check naming a port the app no longer has is an error, even if it came from `base`.
    if (merged.healthCheck !== undefined && merged.healthCheck !== null) app.healthCheck = healthCheck(merged.healthCheck, ports);
    if (merged.constraints !== undefined) app.constraints = constraints(merged.constraints);
    if (merged.onePerHost !== undefined) {
      if (typeof merged.onePerHost !== 'boolean') fail(`onePerHost must be true or false, got ${JSON.stringify(merged.onePerHost)}`);
      app.onePerHost = merged.onePerHost;
    }
    return app;
  } catch (e) {
    if (e instanceof SpecError) throw new Error(`invalid app spec: ${e.message}`);
    throw e;
  }
}

/** The v1 HealthCheck of an instance that got `ports`. */
export function taskHealthCheck(h: AppHealthCheck, ports: readonly number[], env: { name: string; value: string }[]): HealthCheck {
  const common: HealthCheck = {
    ...(h.gracePeriodSeconds !== undefined ? { grace_period_seconds: h.gracePeriodSeconds } : {}),
    ...(h.intervalSeconds !== undefined ? { interval_seconds: h.intervalSeconds } : {}),
    ...(h.timeoutSeconds !== undefined ? { timeout_seconds: h.timeoutSeconds } : {}),
    ...(h.delaySeconds !== undefined ? { delay_seconds: h.delaySeconds } : {}),
    consecutive_failures: h.maxConsecutiveFailures ?? 3,
  };
  if (h.type === 'COMMAND') return { ...common, type: 'COMMAND', command: { value: h.command!, shell: true, environment: { variables: env.map((v) => ({ ...v, type: 'VALUE' as const })) } } };
  const port = ports[h.portIndex ?? 0]!;
  if (h.type === 'TCP') return { ...common, type: 'TCP', tcp: { port } };
  return { ...common, type: 'HTTP', http: { port, path: h.path ?? '/' } };
}

/** The TaskInfo of one instance of `app` placed on `offer` with `resources` (its ports included). */
export function instanceTask(app: AppSpec, taskId: string, offer: Offer, resources: Resources): TaskInfo {
  const ports = resources.ranges('ports').flatMap((r) => Array.from({ length: r.end - r.begin + 1 }, (_, k) => r.begin + k));
  const env = ports.map((p, k) => ({ name: `PORT${k}`, value: String(p) }));
  return {
    name: `${app.id} instance`,
    task_id: { value: taskId },
    agent_id: offer.agent_id,
    resources: resources.toJSON(),
    command: { value: app.command, shell: true, environment: { variables: env.map((v) => ({ ...v, type: 'VALUE' as const })) } },
    ...(app.healthCheck ? { health_check: taskHealthCheck(app.healthCheck, ports, env) } : {}),
    labels: { labels: [{ key: 'app', value: app.id }, { key: 'version', value: appVersion(app) }] },
  };
}
