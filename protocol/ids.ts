/**
 * Identifiers with Mesos's formats. Master ids are UUID-like strings built
 * from an injected random source (no Math.random here); frameworks, agents
 * and offers are numbered under the master id:
 *   framework  <master>-0000, <master>-0001, ...
 *   agent      <master>-S0, <master>-S1, ...
 *   offer      <master>-O0, <master>-O1, ...
 * Task and executor ids are chosen by frameworks and validated here.
 */
import { ProtocolError } from './errors.js';

export interface FrameworkID { value: string }
export interface AgentID { value: string }
export interface OfferID { value: string }
export interface TaskID { value: string }
export interface ExecutorID { value: string }
export interface OperationID { value: string }
export interface ContainerID { value: string; parent?: ContainerID }

/** A source of uniform numbers in [0, 1), or of random bytes. */
export type RandomSource = (() => number) | { next(): number };

function draw(random: RandomSource): number {
  const x = typeof random === 'function' ? random() : random.next();
  if (!(x >= 0 && x < 1)) throw new ProtocolError('E_BAD_ID', `random source returned ${x}, expected a number in [0, 1)`);
  return x;
}

/** A version-4-shaped UUID string (8-4-4-4-12 lowercase hex) from `random`. */
export function uuidString(random: RandomSource): string {
  const bytes = uuidBytes(random);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** 16 random bytes with the version 4 / variant bits set (TaskStatus.uuid). */
export function uuidBytes(random: RandomSource): Uint8Array {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Math.floor(draw(random) * 256);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return bytes;
}

export function newMasterId(random: RandomSource): string {
  return uuidString(random);
}

export function frameworkId(masterId: string, n: number): FrameworkID {
  return { value: `${masterId}-${String(n).padStart(4, '0')}` };
}

export function agentId(masterId: string, n: number): AgentID {
  return { value: `${masterId}-S${n}` };
}

export function offerId(masterId: string, n: number): OfferID {
  return { value: `${masterId}-O${n}` };
}

/**
 * Hands out framework, agent and offer ids in sequence for one master.
 * `counters` lets a restarted master continue where it stopped.
 */
export class IdGenerator {
  readonly masterId: string;
  private frameworks: number;
  private agents: number;
  private offers: number;

  constructor(masterId: string, counters: { frameworks?: number; agents?: number; offers?: number } = {}) {
    this.masterId = masterId;
    this.frameworks = counters.frameworks ?? 0;
    this.agents = counters.agents ?? 0;
    this.offers = counters.offers ?? 0;
  }

  static create(random: RandomSource): IdGenerator {
    return new IdGenerator(newMasterId(random));
  }

  nextFrameworkId(): FrameworkID {
    return frameworkId(this.masterId, this.frameworks++);
  }
  nextAgentId(): AgentID {
    return agentId(this.masterId, this.agents++);
  }
  nextOfferId(): OfferID {
    return offerId(this.masterId, this.offers++);
  }
  counters(): { frameworks: number; agents: number; offers: number } {
    return { frameworks: this.frameworks, agents: this.agents, offers: this.offers };
  }
}

export const MAX_ID_LENGTH = 255;

/** Why `value` is not a valid framework-chosen id (task, executor), or undefined. */
export function idError(value: unknown): string | undefined {
  if (typeof value !== 'string') return `expected a string, got ${value === null ? 'null' : typeof value}`;
  if (value.length === 0) return 'must not be empty';
  if (value.length > MAX_ID_LENGTH) return `is ${value.length} characters, longer than ${MAX_ID_LENGTH}`;
  if (value.includes('/')) return `'${value}' must not contain '/'`;
  if (value === '.' || value === '..') return `'${value}' is not allowed`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return `'${value}' contains a control character`;
  return undefined;
}

function check(kind: string, id: { value: string } | undefined | null): void {
  if (id === undefined || id === null || typeof id !== 'object') {
    throw new ProtocolError('E_BAD_ID', `${kind}: missing ({"value": "..."} expected)`);
  }
  const why = idError(id.value);
  if (why !== undefined) throw new ProtocolError('E_BAD_ID', `${kind} ${why}`);
}

export function validateTaskId(id: TaskID | undefined | null): void {
  check('task_id', id);
}

export function validateExecutorId(id: ExecutorID | undefined | null): void {
  check('executor_id', id);
}

export function idEquals(a: { value: string } | undefined, b: { value: string } | undefined): boolean {
  return a !== undefined && b !== undefined && a.value === b.value;
}
