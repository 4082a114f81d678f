import { ACL_ACTIONS, NO_ACLS, type AclAction, type AclEntity, type Acls } from './acls.js';

/**
 * The local authorizer: ACLs + who + what + on what → allowed or not, with
 * the rule that decided. Pure: no I/O, no state.
 *
 * Mesos's semantics: the rules of the action are tried in order; the first
 * whose subjects and objects both match the request decides (allowed unless
 * either side is NONE); when none matches, `permissive` decides. A request
 * without a principal (unauthenticated) or without an object (say a
 * framework with no principal) is the entity ANY, which only an ANY entity
 * matches. `values` match a request whose value is among them. Actions
 * without objects (mark_agents_gone, view_flags, the maintenance and drain actions) take `{"type": "ANY"}` (may)
 * or `{"type": "NONE"}` (may not) as their object, and any rule's object
 * matches them.
 */
export interface AuthorizationRequest {
  readonly action: AclAction;
  /** The authenticated principal; undefined for an anonymous request. */
  readonly principal: string | undefined;
  /** The object (a role, a user, a framework's principal, a path); undefined for "any". */
  readonly object: string | undefined;
}

export interface Decision {
  readonly allowed: boolean;
  /** The rule that decided, e.g. `acls.run_tasks[1]`, or `acls.permissive=false (no run_tasks rule matched)`. */
  readonly rule: string;
}

type Request = { readonly type: 'ANY' } | { readonly type: 'SOME'; readonly value: string };

function matches(request: Request, acl: AclEntity): boolean {
  if (request.type === 'ANY') return acl.type === 'ANY';
  return acl.type !== 'SOME' || acl.values.includes(request.value);
}

function allows(request: Request, acl: AclEntity): boolean {
  if (request.type === 'ANY') return acl.type === 'ANY';
  return acl.type === 'ANY' || (acl.type === 'SOME' && acl.values.includes(request.value));
}

const entityOf = (value: string | undefined): Request => (value === undefined ? { type: 'ANY' } : { type: 'SOME', value });

/** Actions whose rules say only "may" (ANY) or "may not" (NONE) of their object. */
const OBJECTLESS: ReadonlySet<AclAction> = new Set([
  'mark_agents_gone',
  'view_flags',
  'update_maintenance_schedules',
  'get_maintenance_schedules',
  'get_maintenance_statuses',
  'start_maintenances',
  'stop_maintenances',
  'drain_agents',
  'deactivate_agents',
  'reactivate_agents',
  'set_log_level',
  'access_mesos_logs',
]);

export function authorize(acls: Acls, request: AuthorizationRequest): Decision {
  const subject = entityOf(request.principal);
  const object = entityOf(request.object);
  const objectless = OBJECTLESS.has(request.action);
  const rules = acls.rules[request.action] ?? [];
  for (const [i, rule] of rules.entries()) {
    if (matches(subject, rule.principals) && (objectless || matches(object, rule.objects))) {
      const objectAllowed = objectless ? rule.objects.type === 'ANY' : allows(object, rule.objects);
      return { allowed: allows(subject, rule.principals) && objectAllowed, rule: `acls.${request.action}[${i}]` };
    }
  }
  return { allowed: acls.permissive, rule: acls === NO_ACLS ? 'no --acls' : `acls.permissive=${acls.permissive} (no ${request.action} rule matched)` };
}

/** A denial as a sentence: "principal 'x' may not run_tasks 'root' (acls.run_tasks[0])". */
export function denial(request: AuthorizationRequest, decision: Decision): string {
  const who = request.principal === undefined ? 'an anonymous request' : `principal '${request.principal}'`;
  const what = request.object === undefined ? `any ${ACL_ACTIONS[request.action]}` : `${ACL_ACTIONS[request.action].replace(/s$/, '')} '${request.object}'`;
  return `Unauthorized: ${who} is not allowed to ${request.action} on ${what} (denied by ${decision.rule})`;
}

/** An authorizer bound to its ACLs: what the master and agent hold. */
export class Authorizer {
  constructor(readonly acls: Acls = NO_ACLS) {}

  authorize(action: AclAction, principal: string | undefined, object: string | undefined): Decision & { readonly message: string } {
    const request = { action, principal, object };
    const decision = authorize(this.acls, request);
    return { ...decision, message: decision.allowed ? '' : denial(request, decision) };
  }

  /** True when there is nothing to check (no --acls): callers may skip per-item filtering. */
  get open(): boolean {
    return this.acls === NO_ACLS;
  }
}
