import { readFileSync } from 'node:fs';
import { ProtocolError } from '../errors.js';

/**
 * Mesos's ACLs (`--acls`, include/mesos/authorizer/acls.proto) in their JSON
 * form:
 *
 *   { "permissive": false,
 *     "register_frameworks": [ { "principals": { "values": ["ops"] }, "roles": { "type": "ANY" } } ],
 *     "run_tasks":           [ { "principals": { "type": "ANY" },     "users": { "values": ["nobody"] } } ] }
 *
 * Each action is a list of rules; each rule names its subjects
 * (`principals`) and its objects (the field that action takes). An entity is
 * `{"values": [...]}`, `{"type": "ANY"}` or `{"type": "NONE"}`. A bad ACL is
 * refused at start with E_BAD_ACLS naming the rule and the field.
 */
export type AclEntity = { readonly type: 'ANY' } | { readonly type: 'NONE' } | { readonly type: 'SOME'; readonly values: readonly string[] };

/** Every action this master authorizes, and the field that names its objects. */
export const ACL_ACTIONS = {
  register_frameworks: 'roles',
  run_tasks: 'users',
  teardown_frameworks: 'framework_principals',
  update_quotas: 'roles',
  update_weights: 'roles',
  mark_agents_gone: 'agents',
  view_frameworks: 'users',
  view_tasks: 'users',
  view_executors: 'users',
  view_roles: 'roles',
  view_flags: 'flags',
  get_endpoints: 'paths',
  update_maintenance_schedules: 'machines',
  get_maintenance_schedules: 'machines',
  get_maintenance_statuses: 'machines',
  start_maintenances: 'machines',
  stop_maintenances: 'machines',
  drain_agents: 'agents',
  deactivate_agents: 'agents',
  reactivate_agents: 'agents',
  set_log_level: 'level',
  access_mesos_logs: 'logs',
  reserve_resources: 'roles',
  unreserve_resources: 'reserver_principals',
  create_volumes: 'roles',
  destroy_volumes: 'creator_principals',
  resize_volume: 'roles',
  // The agent's (its --acls): operators' nested containers, by the user they run as, or their parent's user.
  launch_nested_containers_as_user: 'users',
  launch_nested_containers_under_parent_with_user: 'users',
  kill_nested_containers: 'users',
  wait_nested_containers: 'users',
  remove_nested_containers: 'users',
} as const;

export type AclAction = keyof typeof ACL_ACTIONS;

export interface AclRule {
  readonly principals: AclEntity;
  readonly objects: AclEntity;
}

export interface Acls {
  /** What happens when no rule matches (Mesos's default: true). */
  readonly permissive: boolean;
  readonly rules: Readonly<Partial<Record<AclAction, readonly AclRule[]>>>;
}

/** No ACLs at all: everything allowed. */
export const NO_ACLS: Acls = { permissive: true, rules: {} };

function bad(where: string, why: string): ProtocolError {
  return new ProtocolError('E_BAD_ACLS', `${where}: ${why}`);
}

function entity(value: unknown, where: string): AclEntity {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(where, 'expected {"values": [...]} or {"type": "ANY" | "NONE"}');
  const { type, values } = value as { type?: unknown; values?: unknown };
  if (values !== undefined) {
    if (type !== undefined && type !== 'SOME') throw bad(where, `'values' cannot go with type ${JSON.stringify(type)}`);
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) throw bad(`${where}.values`, 'expected a list of strings');
    return { type: 'SOME', values: [...(values as string[])] };
  }
  if (type === 'ANY' || type === 'NONE') return { type };
  throw bad(where, `expected 'values' or "type": "ANY" | "NONE", got ${JSON.stringify(value)}`);
}

/** Parses ACLs from JSON text, or a path to a file holding it (a leading `file://` is accepted). `where` names the source in errors. */
export function parseAcls(text: string, where = 'acls'): Acls {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return fromJsonText(trimmed, where);
  const file = trimmed.startsWith('file://') ? trimmed.slice('file://'.length) : trimmed;
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (e) {
    throw bad(file, `cannot be read: ${(e as Error).message}`);
  }
  return fromJsonText(content, file);
}

function fromJsonText(text: string, where: string): Acls {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad(where, `not valid JSON: ${(e as Error).message}`);
  }
  return aclsOf(json, where);
}

/** ACLs from their parsed JSON. */
export function aclsOf(json: unknown, where = 'acls'): Acls {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad(where, 'expected a JSON object');
  const rules: Partial<Record<AclAction, AclRule[]>> = {};
  let permissive = true;
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (key === 'permissive') {
      if (typeof value !== 'boolean') throw bad(`${where}.permissive`, 'expected true or false');
      permissive = value;
      continue;
    }
    if (!(key in ACL_ACTIONS)) throw bad(`${where}.${key}`, `not an action this master authorizes (known: permissive, ${Object.keys(ACL_ACTIONS).join(', ')})`);
    const action = key as AclAction;
    const field = ACL_ACTIONS[action];
    if (!Array.isArray(value)) throw bad(`${where}.${key}`, 'expected a list of rules');
    rules[action] = value.map((rule, i) => {
      const at = `${where}.${key}[${i}]`;
      if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) throw bad(at, `expected {"principals": ..., "${field}": ...}`);
      const r = rule as Record<string, unknown>;
      for (const k of Object.keys(r)) if (k !== 'principals' && k !== field) throw bad(`${at}.${k}`, `unknown field (a ${key} rule has 'principals' and '${field}')`);
      if (r['principals'] === undefined) throw bad(at, "'principals' is missing");
      if (r[field] === undefined) throw bad(at, `'${field}' is missing`);
      return { principals: entity(r['principals'], `${at}.principals`), objects: entity(r[field], `${at}.${field}`) };
    });
  }
  return { permissive, rules };
}
