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
import { isTerminal } from '../protocol/task-states.js';
import { reserveConversion, reserveError, unreserveConversion, unreserveError, applyConversion, type Conversion } from '../protocol/reservations.js';
import type { OfferOperation } from '../protocol/types.js';
import { createConversion, createError, destroyConversion, destroyError, growConversion, growError, shrinkConversion, shrinkError, volumeInfo, volumesOf, type VolumeInfo } from '../protocol/volumes.js';
import { checkpointedPart, isPersistentVolume } from '../protocol/reservations.js';
import type { AgentToMaster } from '../protocol/messages/master-agent.js';
import { mountSplitError } from '../protocol/disk-sources.js';
import type { Agent } from './agent.js';
import * as reservationBooks from './books/reservations.js';
import * as operationBooks from './books/operations.js';
import type { MasterContext } from './context.js';
import type { Framework } from './framework.js';

/** The operation types this module carries out. */
export const RESOURCE_OPERATIONS: ReadonlySet<string> = new Set(['RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY', 'GROW_VOLUME', 'SHRINK_VOLUME']);

export type OperationResult = { readonly ok: true; readonly available: Resources } | { readonly ok: false; readonly error: string };

/** Resources a framework names in an operation: validated, and allocated to the offer's role where it did not say. */
export function operationResources(list: unknown, path: string, role: string): Resources {
  const given = Resources.fromJSON(list ?? [], path);
  const bare = given.filter((r) => r.allocation_info === undefined);
  return bare.isEmpty() ? given : given.subtract(bare).add(bare.allocate(role));
}

/** The conversion an offer operation asks for, checked; or why it is refused. */
export function offerConversion(framework: Framework, agent: Agent, op: OfferOperation, role: string): Conversion | string {
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
    if (op.type === 'CREATE') {
      const volumes = operationResources(op.create?.volumes, 'create.volumes', role);
      return createError(volumes, { principal: framework.info.principal, shared: framework.hasCapability('SHARED_RESOURCES'), existing: agent.total }) ?? createConversion(volumes);
    }
    if (op.type === 'DESTROY') {
      const volumes = operationResources(op.destroy?.volumes, 'destroy.volumes', role);
      return destroyError(volumes, (v) => volumeInUse(agent, v)) ?? destroyConversion(volumes);
    }
    if (op.type === 'GROW_VOLUME') {
      const volume = operationResources(op.grow_volume?.volume === undefined ? [] : [op.grow_volume.volume], 'grow_volume.volume', role);
      const addition = operationResources(op.grow_volume?.addition === undefined ? [] : [op.grow_volume.addition], 'grow_volume.addition', role);
      return growError(volume, addition) ?? growConversion(volume, addition);
    }
    if (op.type === 'SHRINK_VOLUME') {
      const volume = operationResources(op.shrink_volume?.volume === undefined ? [] : [op.shrink_volume.volume], 'shrink_volume.volume', role);
      const subtract = op.shrink_volume?.subtract?.value ?? NaN;
      return shrinkError(volume, subtract) ?? shrinkConversion(volume, subtract);
    }
  } catch (err) {
    return (err as Error).message;
  }
  return `operation ${op.type} is not a resource operation`;
}

export type ResourceAction = 'reserve_resources' | 'unreserve_resources' | 'create_volumes' | 'destroy_volumes' | 'resize_volume';

/** The --acls action that decides each operation. */
export const OPERATION_ACTIONS: Readonly<Record<string, ResourceAction>> = { RESERVE: 'reserve_resources', UNRESERVE: 'unreserve_resources', CREATE: 'create_volumes', DESTROY: 'destroy_volumes', GROW_VOLUME: 'resize_volume', SHRINK_VOLUME: 'resize_volume' };

/**
 * The --acls decision on an operation on `resources` (what it makes, or what it undoes): reserving and creating
 * by each reservation role, unreserving by each reservation's principal, destroying by each volume's creator.
 */
export function reservationDenied(authorizer: MasterContext['authorizer'], action: ResourceAction, principal: string | undefined, resources: Resources): string | undefined {
  const objects = new Set<string | undefined>();
  for (const r of resources.toJSON()) {
    const innermost = r.reservations?.[r.reservations.length - 1];
    if (action === 'reserve_resources' || action === 'create_volumes' || action === 'resize_volume') objects.add(innermost?.role);
    else if (action === 'unreserve_resources') objects.add(innermost?.principal);
    else objects.add(isPersistentVolume(r) ? volumeInfo(r).principal : undefined);
  }
  for (const object of objects) {
    const d = authorizer.authorize(action, principal, object);
    if (!d.allowed) return d.message;
  }
  return undefined;
}

/** A task or executor on the agent that has not ended holds the volume. */
export function volumeInUse(agent: Agent, v: VolumeInfo): boolean {
  const same = (u: VolumeInfo): boolean => u.id === v.id && u.role === v.role;
  for (const tasks of agent.tasks.values()) for (const t of tasks.values()) if (!isTerminal(t.state) && volumesOf(t.resources).some(same)) return true;
  for (const executors of agent.executors.values()) for (const e of executors.values()) if (volumesOf(e.resources ?? []).some(same)) return true;
  return false;
}

/** The agent's answer to an operation (update_operation_status). */
export function operationAnswered(ctx: MasterContext, agent: Agent, body: AgentToMaster['update_operation_status']): void {
  ctx.apply(operationBooks.answered(ctx.state, ctx.state.frameworks, agent, body.operation_uuid.value, body.status));
}

/**
 * An agent re-registers with the operations it keeps: they answer the pending ones. A pending one it does not
 * report never reached it: a known agent (`known`) gets it again with the master's checkpointed set (returns true:
 * that set was sent); an agent the master admits anew keeps its own set, so the operation is dropped.
 */
export function operationsReported(ctx: MasterContext, agent: Agent, body: AgentToMaster['reregister_agent'], known: boolean): boolean {
  const done = operationBooks.reported(ctx.state, ctx.state.frameworks, agent, body.operations ?? [], known, () => ctx.uuid());
  ctx.apply(done.effects);
  if (done.resend.length === 0) return false;
  ctx.logger.info(`agent ${agent.id} re-registered without ${done.resend.length} pending operation(s): sending them again`);
  ctx.apply([{ kind: 'checkpoint_resources', agent, resources: checkpointedPart(agent.total).toJSON(), operations: done.resend }]);
  return true;
}

export class ResourceOperations {
  constructor(private readonly ctx: MasterContext) {}

  /** Carries out one operation of an ACCEPT on what is left of its offers (`available`, allocated to `role`). */
  offer(framework: Framework, agent: Agent, op: OfferOperation, role: string, available: Resources): OperationResult {
    const conversion = offerConversion(framework, agent, op, role);
    if (typeof conversion === 'string') return this.#refused(framework, op, conversion, agent.id);
    const split = mountSplitError(available, conversion.consumed);
    if (split !== undefined) return this.#refused(framework, op, split, agent.id);
    const next = applyConversion(available, conversion);
    if (next === undefined) return this.#refused(framework, op, `the offers do not hold '${conversion.consumed.toString()}' (left: '${available.toString()}')`, agent.id);
    const action = OPERATION_ACTIONS[op.type];
    if (action !== undefined) {
      const denied = reservationDenied(this.ctx.authorizer, action, framework.info.principal, op.type === 'RESERVE' || op.type === 'CREATE' ? conversion.converted : conversion.consumed);
      if (denied !== undefined) return this.#refused(framework, op, denied, agent.id);
    }
    if (op.id === undefined) {
      this.ctx.apply(reservationBooks.converted(agent, conversion, { frameworkId: framework.id }));
    } else if (agent.operationFeedback) {
      // As Mesos: applied on the master's books at once (speculatively), OPERATION_PENDING until the agent answers.
      const pending = operationBooks.pending(this.ctx.state, framework, agent.id, op, conversion.converted.toJSON(), this.ctx.uuid());
      this.ctx.apply(reservationBooks.converted(agent, conversion, { frameworkId: framework.id, operation: operationBooks.operationOf(pending.op) }));
      this.ctx.apply(pending.effects);
    } else {
      const feedback = operationBooks.finished(this.ctx.state, framework, agent.id, op, conversion.converted.toJSON(), this.ctx.uuid(), this.ctx.uuid());
      this.ctx.apply(reservationBooks.converted(agent, conversion, { frameworkId: framework.id, operation: operationBooks.operationOf(this.ctx.state.operations.of(framework.id).get(op.id.value)!) }));
      this.ctx.apply(feedback);
    }
    this.ctx.state.count(`master/operations/${op.type.toLowerCase()}`);
    this.ctx.logger.info(`framework ${framework.id}: ${op.type} '${conversion.converted.unallocate().toString()}' on agent ${agent.id}`);
    return { ok: true, available: next };
  }

  /** An operation that cannot be carried out: dropped, logged and counted; OPERATION_ERROR for one with an id. No ERROR event. */
  refuse(framework: Framework, op: OfferOperation, error: string, agentId?: string): void {
    this.#refused(framework, op, error, agentId);
  }

  #refused(framework: Framework, op: OfferOperation, error: string, agentId?: string): OperationResult {
    this.ctx.state.count('master/invalid_operations');
    this.ctx.logger.warn(`framework ${framework.id}: dropping ${op.type} operation${op.id?.value !== undefined ? ` ${op.id.value}` : ''}: ${error}`);
    if (op.id !== undefined) this.ctx.apply(operationBooks.errored(framework, agentId, op, error));
    return { ok: false, error };
  }

  /** ACKNOWLEDGE_OPERATION_STATUS and RECONCILE_OPERATIONS; an error text for a call that cannot be answered. */
  feedback(framework: Framework, name: 'acknowledge_operation_status' | 'reconcile_operations', body: { operation_id?: { value: string }; uuid?: Uint8Array; operations?: { operation_id: { value: string }; agent_id?: { value: string } }[] }): string | undefined {
    if (name === 'reconcile_operations') {
      this.ctx.apply(operationBooks.reconcile(this.ctx.state, framework, body.operations ?? []));
      return undefined;
    }
    const done = operationBooks.acknowledged(this.ctx.state, framework, body.operation_id?.value ?? '', body.uuid ?? new Uint8Array());
    this.ctx.apply(done.effects);
    return done.error;
  }
}
