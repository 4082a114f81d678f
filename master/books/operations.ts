/**
 * Operations with an id (operation feedback, Mesos 1.6+): what the master
 * tracks of them and the statuses it owes the framework. On an agent with
 * AGENT_OPERATION_FEEDBACK an operation is OPERATION_PENDING from the ACCEPT
 * until the agent says it applied it (then OPERATION_FINISHED with the agent's
 * uuid); one whose agent is lost (unreachable) before that is
 * OPERATION_DROPPED, on an agent removed for good OPERATION_GONE_BY_OPERATOR.
 * On an older agent the master's own OPERATION_FINISHED comes at once. A
 * terminal status is kept until the framework acknowledges it, then the agent
 * is told to forget the operation. Every record is in the registry, so a new
 * leader answers for it. One the master could not carry out is
 * answered OPERATION_ERROR (no uuid: nothing to acknowledge, nothing kept).
 * RECONCILE_OPERATIONS is answered from the records (no uuid: reconciliation
 * answers need no acknowledgement): an operation not known is
 * OPERATION_UNKNOWN, one on an agent unreachable now OPERATION_UNREACHABLE,
 * on an agent gone OPERATION_GONE_BY_OPERATOR.
 */
import { isTerminalOperation, type Operation, type OperationState, type OperationStatus } from '../../protocol/operations.js';
import { operationKey, type RegisteredOperation } from '../registrar/registry.js';
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
  /** What it made of the agent's resources (its OPERATION_FINISHED carries them). */
  readonly converted?: readonly Resource[];
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

  /** The operation with this uuid (v1 `Operation.uuid`), if tracked. */
  byUuid(uuid: Uint8Array): TrackedOperation | undefined {
    const k = operationKey(uuid);
    for (const m of this.#byFramework.values()) for (const o of m.values()) if (operationKey(o.uuid) === k) return o;
    return undefined;
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

/** The record as the registry keeps it. */
export function registered(o: TrackedOperation): RegisteredOperation {
  return { frameworkId: o.frameworkId, agentId: o.agentId, info: o.info, statuses: [...o.statuses], uuid: o.uuid, ...(o.converted !== undefined ? { converted: o.converted } : {}) };
}

/** A record from the registry (a new leader): tracked again. */
export function recovered(books: OperationBooks, r: RegisteredOperation): void {
  books.operations.add({ frameworkId: r.frameworkId, agentId: r.agentId, info: r.info, statuses: [...r.statuses], uuid: r.uuid, ...(r.converted !== undefined ? { converted: r.converted } : {}) });
}

const persist = (o: TrackedOperation): Effect => ({ kind: 'registry', op: { op: 'operation', operation: registered(o) } });

/** The master carried it out on an agent without operation feedback: OPERATION_FINISHED at once, to be acknowledged. */
export function finished(books: OperationBooks, framework: Framework, agentId: string, info: OfferOperation, converted: Resource[], statusUuid: Uint8Array, operationUuid: Uint8Array): Effect[] {
  const status: OperationStatus = { operation_id: info.id!, state: 'OPERATION_FINISHED', converted_resources: converted, uuid: { value: statusUuid }, agent_id: { value: agentId } };
  const op: TrackedOperation = { frameworkId: framework.id, agentId, info, statuses: [status], uuid: operationUuid, converted };
  books.operations.add(op);
  return [update(framework, status), persist(op), { kind: 'count', name: 'master/operations/finished' }];
}

/** Sent to an agent with operation feedback: OPERATION_PENDING until the agent answers (no event: the framework sees it by reconciliation). */
export function pending(books: OperationBooks, framework: Framework, agentId: string, info: OfferOperation, converted: Resource[], operationUuid: Uint8Array): { op: TrackedOperation; effects: Effect[] } {
  const status: OperationStatus = { operation_id: info.id!, state: 'OPERATION_PENDING', agent_id: { value: agentId } };
  const op: TrackedOperation = { frameworkId: framework.id, agentId, info, statuses: [status], uuid: operationUuid, converted };
  books.operations.add(op);
  return { op, effects: [persist(op), { kind: 'count', name: 'master/operations/pending' }] };
}

/**
 * The agent's answer (update_operation_status, or an operation it reports when it re-registers): a pending
 * operation takes its status and the framework hears it. One the master no longer tracks, or already ended
 * otherwise (dropped while the agent was away), is forgotten by the agent.
 */
export function answered(books: OperationBooks, frameworks: ReadonlyMap<string, Framework>, agent: Agent, operationUuid: Uint8Array, status: OperationStatus): Effect[] {
  const op = books.operations.byUuid(operationUuid);
  if (op === undefined || op.agentId !== agent.id) return [{ kind: 'forget_operation', agent, operationUuid }];
  const latest = op.statuses[op.statuses.length - 1]!;
  if (latest.state !== 'OPERATION_PENDING') {
    // The same answer again (the agent re-registered before the framework acknowledged): nothing new.
    if (isTerminalOperation(latest.state) && latest.state !== status.state) return [{ kind: 'forget_operation', agent, operationUuid }];
    return [];
  }
  const next: OperationStatus = { ...status, ...(op.info.id !== undefined ? { operation_id: op.info.id } : {}), agent_id: { value: agent.id }, ...(status.state === 'OPERATION_FINISHED' && op.converted !== undefined ? { converted_resources: [...op.converted] } : {}) };
  op.statuses.push(next);
  const framework = frameworks.get(op.frameworkId);
  return [...(framework !== undefined ? [update(framework, next)] : []), persist(op), { kind: 'count', name: `master/operations/${status.state.replace('OPERATION_', '').toLowerCase()}` }];
}

/**
 * The agent of these pending operations is lost before it answered: unreachable (OPERATION_DROPPED: it may come back
 * with its own checkpointed resources, which then hold) or removed for good (OPERATION_GONE_BY_OPERATOR).
 */
export function agentLost(books: OperationBooks, frameworks: ReadonlyMap<string, Framework>, agentId: string, state: 'OPERATION_DROPPED' | 'OPERATION_GONE_BY_OPERATOR', message: string, uuid: () => Uint8Array): Effect[] {
  const effects: Effect[] = [];
  for (const op of books.operations.all()) {
    if (op.agentId !== agentId || op.statuses[op.statuses.length - 1]!.state !== 'OPERATION_PENDING') continue;
    const status: OperationStatus = { ...(op.info.id !== undefined ? { operation_id: op.info.id } : {}), state, message, uuid: { value: uuid() }, agent_id: { value: agentId } };
    op.statuses.push(status);
    const framework = frameworks.get(op.frameworkId);
    if (framework !== undefined) effects.push(update(framework, status));
    effects.push(persist(op), { kind: 'count', name: `master/operations/${state.replace('OPERATION_', '').toLowerCase()}` });
  }
  return effects;
}

/**
 * An agent re-registers reporting the operations it keeps: each answers its pending one; a pending one it does
 * not report never reached it (`resend`: it is sent again with the master's checkpoint; otherwise it is dropped:
 * the agent's own checkpointed resources hold, as for a master that did not know the agent).
 */
export function reported(books: OperationBooks, frameworks: ReadonlyMap<string, Framework>, agent: Agent, list: readonly Operation[], resend: boolean, uuid: () => Uint8Array): { effects: Effect[]; resend: Operation[] } {
  const effects: Effect[] = [];
  const seen = new Set<string>();
  for (const o of list) {
    if (!(o?.uuid?.value instanceof Uint8Array) || o.latest_status === undefined) continue;
    seen.add(operationKey(o.uuid.value));
    effects.push(...answered(books, frameworks, agent, o.uuid.value, o.latest_status));
  }
  const again: Operation[] = [];
  for (const op of books.operations.all()) {
    if (op.agentId !== agent.id || seen.has(operationKey(op.uuid)) || op.statuses[op.statuses.length - 1]!.state !== 'OPERATION_PENDING') continue;
    if (resend) {
      again.push(operationOf(op));
      continue;
    }
    const status: OperationStatus = { ...(op.info.id !== undefined ? { operation_id: op.info.id } : {}), state: 'OPERATION_DROPPED', message: 'the agent re-registered without having applied the operation', uuid: { value: uuid() }, agent_id: { value: agent.id } };
    op.statuses.push(status);
    const framework = frameworks.get(op.frameworkId);
    if (framework !== undefined) effects.push(update(framework, status));
    effects.push(persist(op), { kind: 'count', name: 'master/operations/dropped' });
  }
  return { effects, resend: again };
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
  if (!isTerminalOperation(latest.state)) return { effects: [], error: `ACKNOWLEDGE_OPERATION_STATUS: operation '${operationId}' is ${latest.state}, not terminal` };
  books.operations.delete(framework.id, operationId);
  const agent = books.agents.get(op.agentId);
  return {
    effects: [
      { kind: 'registry', op: { op: 'operation_done', uuid: op.uuid } },
      ...(agent !== undefined ? [{ kind: 'forget_operation' as const, agent, operationUuid: op.uuid, statusUuid: uuid }] : []),
      { kind: 'count', name: 'master/operations/acknowledged' },
    ],
  };
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
