/**
 * Operations with an id (operation feedback, Mesos 1.6+): what the master
 * tracks of them and the statuses it owes the framework. An operation the
 * master carried out is OPERATION_FINISHED with a uuid, kept until the
 * framework acknowledges that status; one it could not carry out is
 * answered OPERATION_ERROR (no uuid: nothing to acknowledge, nothing kept).
 * RECONCILE_OPERATIONS is answered from the records (no uuid: reconciliation
 * answers need no acknowledgement): an operation not known is
 * OPERATION_UNKNOWN, one on an agent unreachable now OPERATION_UNREACHABLE,
 * on an agent gone OPERATION_GONE_BY_OPERATOR.
 */
import type { Operation, OperationState, OperationStatus } from '../../protocol/operations.js';
import type { Resource } from '../../protocol/resources.js';
import type { OfferOperation } from '../../protocol/types.js';
import type { Agent } from '../agent.js';
import type { Framework } from '../framework.js';
import type { Effect } from './effects.js';

export interface TrackedOperation {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly info: OfferOperation;
  readonly statuses: OperationStatus[];
  /** The operation's own uuid (v1 `Operation.uuid`). */
  readonly uuid: Uint8Array;
}

/** framework id → operation id → the operation. */
export class OperationBook {
  readonly #byFramework = new Map<string, Map<string, TrackedOperation>>();

  of(frameworkId: string): ReadonlyMap<string, TrackedOperation> {
    return this.#byFramework.get(frameworkId) ?? new Map();
  }

  all(): TrackedOperation[] {
    return [...this.#byFramework.values()].flatMap((m) => [...m.values()]);
  }

  get size(): number {
    let n = 0;
    for (const m of this.#byFramework.values()) n += m.size;
    return n;
  }

  add(op: TrackedOperation): void {
    let m = this.#byFramework.get(op.frameworkId);
    if (m === undefined) this.#byFramework.set(op.frameworkId, (m = new Map()));
    m.set(op.info.id!.value, op);
  }

  delete(frameworkId: string, operationId: string): void {
    const m = this.#byFramework.get(frameworkId);
    m?.delete(operationId);
    if (m?.size === 0) this.#byFramework.delete(frameworkId);
  }

  forgetFramework(frameworkId: string): void {
    this.#byFramework.delete(frameworkId);
  }
}

export interface OperationBooks {
  readonly operations: OperationBook;
  readonly agents: ReadonlyMap<string, Agent>;
  readonly unreachableAgents: ReadonlyMap<string, unknown>;
  readonly goneAgents: ReadonlySet<string>;
}

const update = (framework: Framework, status: OperationStatus): Effect => ({ kind: 'operation_status', framework, status });

/** A tracked operation as v1 `Operation`. */
export function operationOf(o: TrackedOperation): Operation {
  return { framework_id: { value: o.frameworkId }, agent_id: { value: o.agentId }, info: o.info, latest_status: o.statuses[o.statuses.length - 1]!, statuses: o.statuses, uuid: { value: o.uuid } };
}

/** The master carried it out: OPERATION_FINISHED, to be acknowledged. */
export function finished(books: OperationBooks, framework: Framework, agentId: string, info: OfferOperation, converted: Resource[], statusUuid: Uint8Array, operationUuid: Uint8Array): Effect[] {
  const status: OperationStatus = { operation_id: info.id!, state: 'OPERATION_FINISHED', converted_resources: converted, uuid: { value: statusUuid }, agent_id: { value: agentId } };
  books.operations.add({ frameworkId: framework.id, agentId, info, statuses: [status], uuid: operationUuid });
  return [update(framework, status), { kind: 'count', name: 'master/operations/finished' }];
}

/** It could not be carried out (invalid, unauthorized, not in the offers): OPERATION_ERROR saying why. */
export function errored(framework: Framework, agentId: string | undefined, info: OfferOperation, message: string): Effect[] {
  const status: OperationStatus = { operation_id: info.id!, state: 'OPERATION_ERROR', message, ...(agentId !== undefined ? { agent_id: { value: agentId } } : {}) };
  return [update(framework, status), { kind: 'count', name: 'master/operations/error' }];
}

/** ACKNOWLEDGE_OPERATION_STATUS: a terminal status acknowledged ends the record. Returns an error text for a call that names nothing known. */
export function acknowledged(books: OperationBooks, framework: Framework, operationId: string, uuid: Uint8Array): { effects: Effect[]; error?: string } {
  const op = books.operations.of(framework.id).get(operationId);
  if (op === undefined) return { effects: [], error: `ACKNOWLEDGE_OPERATION_STATUS: operation '${operationId}' is not known to the master` };
  const latest = op.statuses[op.statuses.length - 1]!;
  if (latest.uuid === undefined || !sameBytes(latest.uuid.value, uuid)) return { effects: [], error: `ACKNOWLEDGE_OPERATION_STATUS: the uuid is not the one of the latest status of operation '${operationId}'` };
  books.operations.delete(framework.id, operationId);
  return { effects: [{ kind: 'count', name: 'master/operations/acknowledged' }] };
}

/** RECONCILE_OPERATIONS: the latest status of each operation asked about (none asked: every one tracked). */
export function reconcile(books: OperationBooks, framework: Framework, asked: readonly { operation_id: { value: string }; agent_id?: { value: string } }[]): Effect[] {
  const mine = books.operations.of(framework.id);
  const list = asked.length > 0 ? asked : [...mine.values()].map((o) => ({ operation_id: o.info.id!, agent_id: { value: o.agentId } }));
  return list.map((a) => {
    const op = mine.get(a.operation_id.value);
    const agentId = op?.agentId ?? a.agent_id?.value;
    const agentState: OperationState | undefined =
      agentId === undefined ? undefined : books.goneAgents.has(agentId) ? 'OPERATION_GONE_BY_OPERATOR' : books.unreachableAgents.has(agentId) ? 'OPERATION_UNREACHABLE' : undefined;
    let status: OperationStatus;
    if (op !== undefined && agentState === undefined) {
      const { uuid: _uuid, ...latest } = op.statuses[op.statuses.length - 1]!;
      status = latest;
    } else {
      status = { operation_id: a.operation_id, state: agentState ?? 'OPERATION_UNKNOWN', ...(agentId !== undefined ? { agent_id: { value: agentId } } : {}) };
    }
    return update(framework, status);
  });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
