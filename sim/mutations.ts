/**
 * Deliberately broken builds, applied only through what the simulation
 * injects (the simulated disk; a wrapper the sim puts around a leader's
 * allocator core; the transport the sim gives each agent), never in a
 * production code path: the simulator must catch each
 * (sim/test/mutations.test.ts; forgetTerm also on a scripted cluster: sim/test/forget-term.test.ts).
 */
import type { Envelope } from 'libprocess-ts';
import { masterTermPath } from '../agent/checkpoint.js';
import type { AgentDisk } from '../agent/disk.js';
import { PausableTransport } from './pause.js';

export interface Mutations {
  /** The agent's checkpoint fsyncs do nothing (the simulated disk ignores them). */
  readonly skipFsync?: boolean;
  /** The leader's allocator takes back every recovered resource twice (the sim wraps its core's `recoverResources`): what the framework still holds there is offered again. */
  readonly recoverTwice?: boolean;
  /**
   * Agents do not check the term of a master's messages: their transport takes the `term` (the fencing token) off
   * `agent_registered`, `agent_reregistered` and `ping` before the agent sees them, so a deposed leader that has not
   * stepped down yet can take an agent back after a newer leader had it.
   */
  readonly dropTermCheck?: boolean;
  /**
   * A custom executor's status update is acknowledged before the agent has checkpointed it: the agent's transport
   * answers every update an executor sends with an `ack` from the agent at once, ahead of the agent's own (sent
   * once the record is on disk). The executor then forgets the update; a crash before the fsync loses it.
   */
  readonly ackBeforeCheckpoint?: boolean;
  /**
   * A restarted agent forgets the master term it checkpointed: the disk the sim gives the agent reads its
   * `master_term` file as absent (it is still written, and durable), so the agent's fencing starts again from term 0
   * and a deposed leader can take it back after a restart.
   */
  readonly forgetTerm?: boolean;
}

export const MUTATIONS = ['skipFsync', 'recoverTwice', 'dropTermCheck', 'ackBeforeCheckpoint', 'forgetTerm'] as const;
export type MutationName = (typeof MUTATIONS)[number];

export function parseMutation(text: string | undefined): Mutations {
  if (text === undefined || text === '') return {};
  if (!(MUTATIONS as readonly string[]).includes(text)) throw new Error(`unknown mutation '${text}' (known: ${MUTATIONS.join(', ')})`);
  return { [text]: true };
}

/** Messages whose `term` an agent checks (agent/master-link.ts #fresh). */
const FENCED: ReadonlySet<string> = new Set(['agent_registered', 'agent_reregistered', 'ping']);

/** An agent's transport with the mutations that live there (`dropTermCheck`, `ackBeforeCheckpoint`). */
export class MutantAgentTransport extends PausableTransport {
  mutations: Mutations = {};
  /** Each message as the agent reads it (the invariants watch what it is told), before any mutation. */
  onReceived: (from: string, e: Envelope) => void = () => {};

  protected override received(messages: Envelope[], from: string): void {
    for (const m of messages) this.onReceived(from, m);
    if (this.mutations.ackBeforeCheckpoint === true) for (const m of messages) if (m.name === 'status_update') this.#ackAtOnce(m, from);
    if (this.mutations.dropTermCheck === true) messages = messages.map(withoutTerm);
    super.received(messages, from);
  }

  /** The `ack` the agent sends an executor, sent by its transport as the update arrives. */
  #ackAtOnce(m: Envelope, from: string): void {
    const update = (m.body as { update?: { agent_id?: unknown; framework_id?: unknown; status?: { agent_id?: unknown; task_id?: unknown }; uuid?: unknown } } | null)?.update;
    const agentId = update?.agent_id ?? update?.status?.agent_id;
    if (update === undefined || agentId === undefined || update.uuid === undefined) return;
    this.send(from, { to: m.from, from: m.to, name: 'ack', body: { agent_id: agentId, framework_id: update.framework_id, task_id: update.status?.task_id, uuid: update.uuid } });
  }
}

function withoutTerm(m: Envelope): Envelope {
  if (!FENCED.has(m.name) || m.body === null || typeof m.body !== 'object' || !('term' in m.body)) return m;
  const { term: _dropped, ...body } = m.body as Record<string, unknown>;
  return { ...m, body };
}

/** The disk an agent of `workDir` is given: `disk` itself, or with `forgetTerm` a view of it without the checkpointed master term. */
export function agentDisk(disk: AgentDisk, workDir: string, mutations: Mutations): AgentDisk {
  if (mutations.forgetTerm !== true) return disk;
  const forgotten = masterTermPath(workDir);
  return new Proxy(disk, {
    get(target, key) {
      if (key === 'read') return (path: string): string | undefined => (path === forgotten ? undefined : target.read(path));
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
