/**
 * The operations on this agent's resources (operation feedback), checkpointed
 * in `meta/resources/operations.info` so that they survive a restart. A master
 * sends an operation with the new checkpointed resources; one still
 * OPERATION_PENDING is applied with them and answered OPERATION_FINISHED (a
 * uuid of the agent's, update_operation_status). The agent keeps it until the
 * master says the framework acknowledged it (acknowledge_operation_status),
 * and reports the ones it keeps at every re-registration, so a master that
 * lost the answer (or a new leader) learns it. GET_OPERATIONS shows them.
 *
 *   checkpoint_resources{operations: PENDING} ─► applied() ─► operations.info ─► update_operation_status
 *   acknowledge_operation_status ─► acknowledged() ─► operations.info
 *   start ─► load(); reregister_agent{operations: list}
 */
import { join } from 'node:path';
import type { Operation, OperationStatus } from '../protocol/operations.js';
import { CheckpointError, metaDir, readJSON, writeJSONAtomic } from './checkpoint.js';
import type { AgentDisk } from './disk.js';

export function operationsInfoPath(workDir: string): string {
  return join(metaDir(workDir), 'resources', 'operations.info');
}

/** Operations kept (the most recent) when no master acknowledges them (one without operation feedback). */
export const MAX_OPERATIONS = 100;

const key = (uuid: Uint8Array): string => Buffer.from(uuid).toString('base64');

export class AgentOperations {
  readonly #list: Operation[];

  private constructor(list: Operation[], private readonly path: string, private readonly fsync: boolean, private readonly disk: AgentDisk) {
    this.#list = list;
  }

  /** Reads the checkpoint (none: no operation). Throws, naming the file, when it is not a list of operations. */
  static load(workDir: string, fsync: boolean, disk: AgentDisk): AgentOperations {
    const path = operationsInfoPath(workDir);
    const raw = readJSON(path, disk);
    if (raw === undefined) return new AgentOperations([], path, fsync, disk);
    if (!Array.isArray(raw)) throw new CheckpointError(path, 'expected a list of operations');
    raw.forEach((o: unknown, i) => {
      const op = o as Partial<Operation> | null;
      if (op === null || typeof op !== 'object' || !(op.uuid?.value instanceof Uint8Array) || typeof op.info?.type !== 'string' || typeof op.latest_status?.state !== 'string') {
        throw new CheckpointError(path, `operation ${i} is not an operation (uuid, info and latest_status)`);
      }
    });
    return new AgentOperations(raw as Operation[], path, fsync, disk);
  }

  /** Every operation kept, oldest first. */
  get list(): readonly Operation[] {
    return this.#list;
  }

  /**
   * The master's operations that came with new checkpointed resources (now written): a pending one is finished
   * here with a new status uuid; one the master already finished (a master without operation feedback) is kept as
   * it is. Returns the statuses to send to the master, with each operation's uuid.
   */
  applied(operations: readonly Operation[], agentId: string, newUuid: () => Uint8Array): { operation: Operation; status: OperationStatus }[] {
    const answers: { operation: Operation; status: OperationStatus }[] = [];
    for (const op of operations) {
      const known = this.#list.findIndex((o) => key(o.uuid.value) === key(op.uuid.value));
      if (op.latest_status.state !== 'OPERATION_PENDING') {
        if (known < 0) this.#list.push(op);
        continue;
      }
      // Sent again (the master did not hear the answer): the same answer again.
      if (known >= 0 && this.#list[known]!.latest_status.state !== 'OPERATION_PENDING') {
        answers.push({ operation: this.#list[known]!, status: this.#list[known]!.latest_status });
        continue;
      }
      const status: OperationStatus = {
        ...(op.info.id !== undefined ? { operation_id: op.info.id } : {}),
        state: 'OPERATION_FINISHED',
        ...(op.latest_status.converted_resources !== undefined ? { converted_resources: op.latest_status.converted_resources } : {}),
        uuid: { value: newUuid() },
        agent_id: { value: agentId },
      };
      const done: Operation = { ...op, latest_status: status, statuses: [...(op.statuses ?? [op.latest_status]), status] };
      if (known >= 0) this.#list[known] = done;
      else this.#list.push(done);
      answers.push({ operation: done, status });
    }
    this.#list.splice(0, Math.max(0, this.#list.length - MAX_OPERATIONS));
    this.#write();
    return answers;
  }

  /** The master is done with the operation (its framework acknowledged it, or the master does not track it): forgotten. */
  acknowledged(operationUuid: Uint8Array): boolean {
    const i = this.#list.findIndex((o) => key(o.uuid.value) === key(operationUuid));
    if (i < 0) return false;
    this.#list.splice(i, 1);
    this.#write();
    return true;
  }

  #write(): void {
    writeJSONAtomic(this.path, this.#list, this.fsync, this.disk);
  }
}
