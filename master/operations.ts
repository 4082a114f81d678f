/**
 * Offer operations beyond launching (RESERVE, UNRESERVE) as a framework
 * makes them in an ACCEPT: each is checked against what is left of the
 * offers, carried out on the books (books/reservations.ts) and leaves the
 * offered resources converted for the operations after it, as Mesos applies
 * an ACCEPT's operations in order. One that cannot be carried out is
 * dropped with the reason logged and counted (and, with an `id`, answered
 * as the framework asked: operation-status.ts); its resources stay with the
 * rest of the offer and go back to the allocator, and no ERROR event is
 * sent: the framework may go on.
 */
import { Resources } from '../protocol/resources.js';
import { reserveConversion, reserveError, unreserveConversion, unreserveError, applyConversion, type Conversion } from '../protocol/reservations.js';
import type { OfferOperation } from '../protocol/types.js';
import type { Agent } from './agent.js';
import * as reservationBooks from './books/reservations.js';
import type { MasterContext } from './context.js';
import type { Framework } from './framework.js';

/** The operation types this module carries out. */
export const RESOURCE_OPERATIONS: ReadonlySet<string> = new Set(['RESERVE', 'UNRESERVE']);

export type OperationResult = { readonly ok: true; readonly available: Resources } | { readonly ok: false; readonly error: string };

/** Resources a framework names in an operation: validated, and allocated to the offer's role where it did not say. */
export function operationResources(list: unknown, path: string, role: string): Resources {
  const given = Resources.fromJSON(list ?? [], path);
  const bare = given.filter((r) => r.allocation_info === undefined);
  return bare.isEmpty() ? given : given.subtract(bare).add(bare.allocate(role));
}

/** The conversion an offer operation asks for, checked; or why it is refused. */
export function offerConversion(framework: Framework, op: OfferOperation, role: string): Conversion | string {
  try {
    if (op.type === 'RESERVE') {
      const resources = operationResources(op.reserve?.resources, 'reserve.resources', role);
      const error = reserveError(resources, { principal: framework.info.principal, allocationRole: role, refinement: framework.hasCapability('RESERVATION_REFINEMENT') });
      return error ?? reserveConversion(resources);
    }
    if (op.type === 'UNRESERVE') {
      const resources = operationResources(op.unreserve?.resources, 'unreserve.resources', role);
      return unreserveError(resources) ?? unreserveConversion(resources);
    }
  } catch (err) {
    return (err as Error).message;
  }
  return `operation ${op.type} is not a resource operation`;
}

/** The --acls decision on reserving `resources` (each reservation role) or unreserving them (each reservation's principal): the message of a denial. */
export function reservationDenied(authorizer: MasterContext['authorizer'], action: 'reserve_resources' | 'unreserve_resources', principal: string | undefined, resources: Resources): string | undefined {
  const objects = new Set<string | undefined>();
  for (const r of resources.toJSON()) {
    const innermost = r.reservations?.[r.reservations.length - 1];
    objects.add(action === 'reserve_resources' ? innermost?.role : innermost?.principal);
  }
  for (const object of objects) {
    const d = authorizer.authorize(action, principal, object);
    if (!d.allowed) return d.message;
  }
  return undefined;
}

export class ResourceOperations {
  constructor(private readonly ctx: MasterContext) {}

  /** Carries out one operation of an ACCEPT on what is left of its offers (`available`, allocated to `role`). */
  offer(framework: Framework, agent: Agent, op: OfferOperation, role: string, available: Resources): OperationResult {
    const conversion = offerConversion(framework, op, role);
    if (typeof conversion === 'string') return this.#refused(framework, op, conversion);
    const next = applyConversion(available, conversion);
    if (next === undefined) return this.#refused(framework, op, `the offers do not hold '${conversion.consumed.toString()}' (left: '${available.toString()}')`);
    if (op.type === 'RESERVE' || op.type === 'UNRESERVE') {
      const denied = this.#denied(op.type === 'RESERVE' ? 'reserve_resources' : 'unreserve_resources', framework.info.principal, op.type === 'RESERVE' ? conversion.converted : conversion.consumed);
      if (denied !== undefined) return this.#refused(framework, op, denied);
    }
    this.ctx.apply(reservationBooks.converted(agent, conversion, { frameworkId: framework.id }));
    this.ctx.state.count(`master/operations/${op.type.toLowerCase()}`);
    this.ctx.logger.info(`framework ${framework.id}: ${op.type} '${conversion.converted.unallocate().toString()}' on agent ${agent.id}`);
    return { ok: true, available: next };
  }

  /** Why `principal` may not make this reservation change (--acls: reserve_resources by role, unreserve_resources by the reservation's principal). */
  #denied(action: 'reserve_resources' | 'unreserve_resources', principal: string | undefined, resources: Resources): string | undefined {
    return reservationDenied(this.ctx.authorizer, action, principal, resources);
  }

  #refused(framework: Framework, op: OfferOperation, error: string): OperationResult {
    this.ctx.state.count('master/invalid_operations');
    this.ctx.logger.warn(`framework ${framework.id}: dropping ${op.type} operation${op.id?.value !== undefined ? ` ${op.id.value}` : ''}: ${error}`);
    return { ok: false, error };
  }
}
