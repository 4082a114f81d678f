/**
 * Quota requests of the operator API and of `/master/quota`, checked before
 * anything changes: UPDATE_QUOTA (quota.QuotaConfig: guarantees and limits
 * per resource name), and the deprecated forms tools still send, SET_QUOTA
 * (quota.QuotaRequest: role, force, guarantee as scalar Resources; as in
 * Mesos 1.9+, it sets the guarantee and the limit to the same quantities, and
 * a role that has quota already is refused) and REMOVE_QUOTA (a role).
 * Errors are Mesos's 400 texts naming the field.
 */
import { isValidRole, roleError } from '../protocol/roles.js';

export interface QuotaUpdate {
  readonly role: string;
  readonly guarantees: Record<string, number>;
  readonly limits: Record<string, number>;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; status: 400; message: string };

const bad = (message: string): { ok: false; status: 400; message: string } => ({ ok: false, status: 400, message });

const quantities = (value: unknown, where: string): Record<string, number> => {
  const out: Record<string, number> = {};
  if (value === undefined || value === null) return out;
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: expected an object of name -> {"value": number}`);
  for (const [name, q] of Object.entries(value as Record<string, unknown>)) {
    const v = (q as { value?: unknown } | null)?.value;
    if (typeof v !== 'number' || !(v >= 0)) throw new Error(`${where}.${name}.value: expected a number >= 0`);
    out[name] = v;
  }
  return out;
};

const quotaRole = (role: unknown, where: string): string => {
  if (typeof role !== 'string') throw new Error(`${where}: expected a string`);
  if (!isValidRole(role)) throw new Error(`${where}: ${roleError(role) ?? 'not a role'}`);
  if (role === '*') throw new Error(`${where}: quota cannot be set for role '*'`);
  return role;
};

/** UPDATE_QUOTA's `update_quota.quota_configs`. */
export function parseUpdateQuota(body: unknown): Parsed<QuotaUpdate[]> {
  const configs = (body as { quota_configs?: unknown } | undefined)?.quota_configs;
  if (!Array.isArray(configs)) return bad("Expecting 'update_quota.quota_configs' to be a list");
  const parsed: QuotaUpdate[] = [];
  try {
    for (const [i, c] of configs.entries()) {
      const { role, guarantees, limits } = (c ?? {}) as { role?: unknown; guarantees?: unknown; limits?: unknown };
      const where = `update_quota.quota_configs[${i}]`;
      const r = quotaRole(role, `${where}.role`);
      const g = quantities(guarantees, `${where}.guarantees`);
      const l = quantities(limits, `${where}.limits`);
      for (const [name, v] of Object.entries(g)) {
        if (l[name] !== undefined && l[name]! < v) throw new Error(`${where}: the guarantee of ${name} (${v}) is above its limit (${l[name]})`);
      }
      parsed.push({ role: r, guarantees: g, limits: l });
    }
  } catch (err) {
    return bad((err as Error).message);
  }
  return { ok: true, value: parsed };
}

/**
 * A quota.QuotaRequest (SET_QUOTA's `set_quota.quota_request`, or the body of
 * `POST /master/quota`): `existing` says whether the role has quota already.
 */
export function parseQuotaRequest(request: unknown, where: string, existing: (role: string) => boolean): Parsed<QuotaUpdate> {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) return bad(`${where}: expected a QuotaRequest object`);
  const { role, guarantee, force } = request as { role?: unknown; guarantee?: unknown; force?: unknown };
  if (force !== undefined && typeof force !== 'boolean') return bad(`${where}.force: expected a boolean`);
  let r: string;
  try {
    r = quotaRole(role, `${where}.role`);
  } catch (err) {
    return bad(`Failed to validate set quota request: ${(err as Error).message}`);
  }
  if (r.includes('/')) return bad(`Setting quota on nested role '${r}' is not supported yet`);
  if (!Array.isArray(guarantee)) return bad(`${where}.guarantee: expected a list of scalar resources`);
  const q: Record<string, number> = {};
  for (const [i, res] of guarantee.entries()) {
    const { name, type, scalar } = (res ?? {}) as { name?: unknown; type?: unknown; scalar?: { value?: unknown } };
    if (typeof name !== 'string' || name === '') return bad(`${where}.guarantee[${i}].name: expected a resource name`);
    if (type !== 'SCALAR' || typeof scalar?.value !== 'number' || !(scalar.value >= 0)) return bad(`${where}.guarantee[${i}]: quota takes scalar resources with a value >= 0 ('${name}' is not one)`);
    q[name] = (q[name] ?? 0) + scalar.value;
  }
  if (existing(r)) return bad(`Failed to validate set quota request: Cannot set quota for role '${r}' which already has quota`);
  return { ok: true, value: { role: r, guarantees: q, limits: { ...q } } };
}

/** REMOVE_QUOTA's role (or the last component of `DELETE /master/quota/<role>`). */
export function parseRemoveQuota(role: unknown, where: string, existing: (role: string) => boolean): Parsed<string> {
  if (typeof role !== 'string' || role === '') return bad(`${where}: expected a role`);
  if (!isValidRole(role)) return bad(`${where}: ${roleError(role) ?? 'not a role'}`);
  if (!existing(role)) return bad(`Failed to remove quota: Role '${role}' has no quota set`);
  return { ok: true, value: role };
}
