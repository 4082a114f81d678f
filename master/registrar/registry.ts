/**
 * The registry: what the masters agree on through the replicated log. A pure
 * state machine: `apply(registry, operation)` is deterministic and total (an
 * operation that does not fit the state is a no-op), so every replica that
 * applies the same committed entries in the same order holds the same
 * registry. An entry of the log is one batch of operations (msgpack).
 */
import { Packr } from 'msgpackr';
import type { DrainInfo, MachineID, MaintenanceWindow } from '../../protocol/maintenance.js';
import type { AgentInfo, FrameworkInfo, OfferOperation } from '../../protocol/types.js';
import type { OperationStatus } from '../../protocol/operations.js';
import type { Resource } from '../../protocol/resources.js';

export interface RegisteredAgent {
  readonly id: string;
  readonly info: AgentInfo;
  /** The PID text it registered from (a new leader links nothing to it: it waits for the agent to re-register). */
  readonly pid: string;
  readonly registeredAt: number;
}

export interface RegisteredFramework {
  readonly id: string;
  readonly info: FrameworkInfo;
  readonly registeredAt: number;
  /** The principal its scheduler authenticated as: after a failover only that principal may resubscribe it. */
  readonly principal?: string;
}

/**
 * An operation with an id on an agent's resources (operation feedback), kept until its framework acknowledges
 * its terminal status, so that a new leader answers for it (pending, finished, dropped) and not OPERATION_UNKNOWN.
 */
export interface RegisteredOperation {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly info: OfferOperation;
  readonly statuses: readonly OperationStatus[];
  /** The operation's own uuid (v1 `Operation.uuid`). */
  readonly uuid: Uint8Array;
  /** What it made of the agent's resources (its OPERATION_FINISHED carries them). */
  readonly converted?: readonly Resource[];
}

/** The key of an operation in the registry: its uuid in base64. */
export function operationKey(uuid: Uint8Array): string {
  return Buffer.from(uuid).toString('base64');
}

/** What the operator set of an agent: deactivated (DEACTIVATE_AGENT), draining or drained (DRAIN_AGENT). */
export interface AgentMaintenance {
  readonly deactivated: boolean;
  readonly drain?: DrainInfo;
}

/** The maintenance schedule and the machines that are down. */
export interface Maintenance {
  readonly windows: readonly MaintenanceWindow[];
  readonly down: readonly MachineID[];
}

export interface Quota {
  readonly guarantees: Record<string, number>;
  readonly limits: Record<string, number>;
}

/** Gone agents and removed frameworks remembered (oldest forgotten first). */
export const TOMBSTONES_KEPT = 10_000;

export interface Registry {
  /** Admitted agents (registered, not unreachable, not gone), by id. */
  readonly agents: Map<string, RegisteredAgent>;
  /** Agents marked unreachable: id -> the agent as admitted and when. They may come back. */
  readonly unreachable: Map<string, { agent: RegisteredAgent; at: number }>;
  /** Agents removed for good: refused if they come back. */
  readonly gone: Map<string, number>;
  readonly frameworks: Map<string, RegisteredFramework>;
  /** Ids of removed frameworks (refused if they resubscribe), with when. */
  readonly removedFrameworks: Map<string, number>;
  readonly weights: Map<string, number>;
  readonly quotas: Map<string, Quota>;
  /** Agents deactivated or drained by the operator (any of admitted, unreachable), by id. */
  readonly agentMaintenance: Map<string, AgentMaintenance>;
  maintenance: Maintenance;
  /** Operations with ids not yet acknowledged, by operationKey(uuid). */
  readonly operations: Map<string, RegisteredOperation>;
  /** Log index of the last applied entry. */
  index: number;
}

export type Operation =
  | { readonly op: 'admit_agent'; readonly agent: RegisteredAgent }
  | { readonly op: 'agent_unreachable'; readonly id: string; readonly at: number }
  | { readonly op: 'agent_gone'; readonly id: string; readonly at: number }
  | { readonly op: 'add_framework'; readonly framework: RegisteredFramework }
  | { readonly op: 'remove_framework'; readonly id: string; readonly at: number }
  /** Written by earlier versions, which kept tasks: read and ignored (tasks come back with their agents). */
  | { readonly op: 'tasks'; readonly tasks: readonly unknown[] }
  | { readonly op: 'weights'; readonly weights: Record<string, number> }
  /** Both empty removes the role's quota. */
  | { readonly op: 'quota'; readonly role: string; readonly quota: Quota }
  /** An agent deactivated, drained, or reactivated (neither: forgotten). */
  | { readonly op: 'agent_maintenance'; readonly id: string; readonly state: AgentMaintenance }
  /** The whole maintenance schedule and the down machines, as they are now. */
  | { readonly op: 'maintenance'; readonly maintenance: Maintenance }
  /** An operation as it is now (added, or a new status). */
  | { readonly op: 'operation'; readonly operation: RegisteredOperation }
  /** An operation its framework acknowledged: forgotten. */
  | { readonly op: 'operation_done'; readonly uuid: Uint8Array };

export function emptyRegistry(): Registry {
  return {
    agents: new Map(),
    unreachable: new Map(),
    gone: new Map(),
    frameworks: new Map(),
    removedFrameworks: new Map(),
    weights: new Map(),
    quotas: new Map(),
    agentMaintenance: new Map(),
    maintenance: { windows: [], down: [] },
    operations: new Map(),
    index: 0,
  };
}

function bounded<K, V>(map: Map<K, V>, limit: number): void {
  while (map.size > limit) map.delete(map.keys().next().value as K);
}

/** Applies one operation in place. Never throws on a well-formed operation. */
export function apply(r: Registry, o: Operation): void {
  switch (o.op) {
    case 'admit_agent':
      r.unreachable.delete(o.agent.id);
      if (r.gone.has(o.agent.id)) return;
      r.agents.set(o.agent.id, o.agent);
      return;
    case 'agent_unreachable': {
      const agent = r.agents.get(o.id) ?? r.unreachable.get(o.id)?.agent;
      if (agent === undefined) return;
      r.agents.delete(o.id);
      r.unreachable.set(o.id, { agent, at: o.at });
      return;
    }
    case 'agent_gone':
      r.agentMaintenance.delete(o.id);
      r.agents.delete(o.id);
      r.unreachable.delete(o.id);
      r.gone.set(o.id, o.at);
      bounded(r.gone, TOMBSTONES_KEPT);
      for (const [k, op] of r.operations) if (op.agentId === o.id) r.operations.delete(k);
      return;
    case 'add_framework':
      if (r.removedFrameworks.has(o.framework.id)) return;
      r.frameworks.set(o.framework.id, o.framework);
      return;
    case 'remove_framework':
      if (!r.frameworks.has(o.id) && r.removedFrameworks.has(o.id)) return;
      r.frameworks.delete(o.id);
      r.removedFrameworks.set(o.id, o.at);
      bounded(r.removedFrameworks, TOMBSTONES_KEPT);
      for (const [k, op] of r.operations) if (op.frameworkId === o.id) r.operations.delete(k);
      return;
    case 'tasks':
      return;
    case 'weights':
      for (const [role, w] of Object.entries(o.weights)) r.weights.set(role, w);
      return;
    case 'quota':
      if (Object.keys(o.quota.guarantees).length === 0 && Object.keys(o.quota.limits).length === 0) r.quotas.delete(o.role);
      else r.quotas.set(o.role, o.quota);
      return;
    case 'agent_maintenance':
      if (r.gone.has(o.id)) return;
      if (!o.state.deactivated && o.state.drain === undefined) r.agentMaintenance.delete(o.id);
      else r.agentMaintenance.set(o.id, o.state);
      return;
    case 'maintenance':
      r.maintenance = o.maintenance;
      return;
    case 'operation':
      if (r.removedFrameworks.has(o.operation.frameworkId) || r.gone.has(o.operation.agentId)) return;
      r.operations.set(operationKey(o.operation.uuid), o.operation);
      return;
    case 'operation_done':
      r.operations.delete(operationKey(o.uuid));
      return;
  }
}

// ------------------------------------------------------------------ encoding

const packr = new Packr({ useRecords: false, moreTypes: false });

/** One log entry: a batch of operations. */
export function encodeEntry(ops: readonly Operation[]): Uint8Array {
  return packr.pack({ v: 1, ops });
}

const OPS = new Set(['admit_agent', 'agent_unreachable', 'agent_gone', 'add_framework', 'remove_framework', 'tasks', 'weights', 'quota', 'agent_maintenance', 'maintenance', 'operation', 'operation_done']);

/** Decodes an entry; throws naming the problem when it is not one. */
export function decodeEntry(data: Uint8Array): Operation[] {
  const v = packr.unpack(data) as { v?: unknown; ops?: unknown };
  if (v === null || typeof v !== 'object' || v.v !== 1 || !Array.isArray(v.ops)) throw new Error('registry entry: expected {v: 1, ops: [...]}');
  for (const o of v.ops) {
    if (o === null || typeof o !== 'object' || !OPS.has((o as { op?: string }).op ?? '')) throw new Error(`registry entry: unknown operation ${JSON.stringify((o as { op?: unknown })?.op)}`);
  }
  return v.ops as Operation[];
}

interface SnapshotData {
  v: 1;
  index: number;
  agents: RegisteredAgent[];
  unreachable: [string, { agent: RegisteredAgent; at: number }][];
  gone: [string, number][];
  frameworks: RegisteredFramework[];
  removedFrameworks: [string, number][];
  weights: [string, number][];
  quotas: [string, Quota][];
  /** Absent in snapshots of versions without maintenance. */
  agentMaintenance?: [string, AgentMaintenance][];
  maintenance?: Maintenance;
  /** Absent in snapshots of versions without operation records. */
  operations?: RegisteredOperation[];
}

export function encodeSnapshot(r: Registry): Uint8Array {
  const data: SnapshotData = {
    v: 1,
    index: r.index,
    agents: [...r.agents.values()],
    unreachable: [...r.unreachable],
    gone: [...r.gone],
    frameworks: [...r.frameworks.values()],
    removedFrameworks: [...r.removedFrameworks],
    weights: [...r.weights],
    quotas: [...r.quotas],
    agentMaintenance: [...r.agentMaintenance],
    maintenance: r.maintenance,
    operations: [...r.operations.values()],
  };
  return packr.pack(data);
}

export function decodeSnapshot(bytes: Uint8Array): Registry {
  const d = packr.unpack(bytes) as SnapshotData;
  if (d === null || typeof d !== 'object' || d.v !== 1) throw new Error('registry snapshot: expected version 1');
  return {
    agents: new Map(d.agents.map((a) => [a.id, a])),
    unreachable: new Map(d.unreachable),
    gone: new Map(d.gone),
    frameworks: new Map(d.frameworks.map((f) => [f.id, f])),
    removedFrameworks: new Map(d.removedFrameworks),
    weights: new Map(d.weights),
    quotas: new Map(d.quotas),
    agentMaintenance: new Map(d.agentMaintenance ?? []),
    maintenance: d.maintenance ?? { windows: [], down: [] },
    operations: new Map((d.operations ?? []).map((o) => [operationKey(o.uuid), o])),
    index: d.index,
  };
}

/** An entry, or one operation of it, that could not be applied: left out, so that it cannot stop every future leader. */
export interface Skipped {
  readonly index: number;
  readonly error: string;
}

/**
 * Applies the committed entries after `r.index` in order. An entry that does
 * not decode, or an operation that throws, is skipped and reported (the rest
 * of the entry still applies); the index moves past it either way.
 */
export function applyEntries(r: Registry, entries: readonly { index: number; data: Uint8Array | null }[], skipped: (s: Skipped) => void = () => {}): void {
  for (const e of entries) {
    if (e.index <= r.index) continue;
    if (e.data !== null) {
      let ops: Operation[] = [];
      try {
        ops = decodeEntry(e.data);
      } catch (err) {
        skipped({ index: e.index, error: (err as Error).message });
      }
      for (const o of ops) {
        try {
          apply(r, o);
        } catch (err) {
          skipped({ index: e.index, error: `operation ${o.op}: ${(err as Error).message}` });
        }
      }
    }
    r.index = e.index;
  }
}

/** The registry from a snapshot and the committed entries after it (what `ReplicaProcess.read()` gives). */
export function rebuild(snapshot: { index: number; data: Uint8Array } | null, entries: readonly { index: number; data: Uint8Array | null }[], skipped?: (s: Skipped) => void): Registry {
  const r = snapshot === null ? emptyRegistry() : decodeSnapshot(snapshot.data);
  if (snapshot !== null) r.index = snapshot.index;
  applyEntries(r, entries, skipped);
  return r;
}
