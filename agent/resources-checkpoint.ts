/**
 * The agent's checkpointed resources (Mesos's `meta/resources/resources.info`):
 * its dynamically reserved resources and persistent volumes, as the master
 * last sent them (`checkpoint_resources`). They survive a restart and are
 * reported at every (re-)registration (`checkpointed_resources`); the total
 * the agent offers is its `--resources` with them applied. An agent whose
 * checkpoint no longer fits its `--resources` refuses to start, naming both,
 * as Mesos does: the reservations would otherwise be lost silently.
 *
 *   master ─checkpoint_resources─► update() ─► resources.info (atomic, fsync)
 *   start ─► load() ─► applyCheckpointed(--resources, checkpoint) ─► total
 */
import { join } from 'node:path';
import { applyCheckpointed, checkpointedPart } from '../protocol/reservations.js';
import { Resources } from '../protocol/resources.js';
import { CheckpointError, metaDir, readJSON, writeJSONAtomic } from './checkpoint.js';
import type { AgentDisk } from './disk.js';

export function resourcesInfoPath(workDir: string): string {
  return join(metaDir(workDir), 'resources', 'resources.info');
}

export class AgentReservations {
  #checkpointed: Resources;
  #total: Resources;

  private constructor(
    readonly statics: Resources,
    checkpointed: Resources,
    private readonly workDir: string,
    private readonly fsync: boolean,
    private readonly disk: AgentDisk,
  ) {
    this.#checkpointed = checkpointed;
    this.#total = applyCheckpointed(statics, checkpointed);
  }

  /** Reads the checkpoint (none: nothing reserved). Throws, naming the file and why, when it is corrupt or does not fit `statics`. */
  static load(statics: Resources, workDir: string, fsync: boolean, disk: AgentDisk): AgentReservations {
    const path = resourcesInfoPath(workDir);
    const raw = readJSON(path, disk);
    let checkpointed = Resources.empty();
    if (raw !== undefined) {
      try {
        checkpointed = Resources.fromJSON(raw, 'resources.info');
      } catch (err) {
        throw new CheckpointError(path, (err as Error).message);
      }
    }
    try {
      return new AgentReservations(statics, checkpointed, workDir, fsync, disk);
    } catch (err) {
      throw new Error(
        `Checkpointed resources in ${path} are incompatible with the agent's resources: ${(err as Error).message}. ` +
          `Restart with --resources that contain them (reservations and volumes would otherwise be lost), or remove the file to drop them.`,
      );
    }
  }

  /** Dynamically reserved resources and persistent volumes, as checkpointed. */
  get checkpointed(): Resources {
    return this.#checkpointed;
  }

  /** The agent's total: its resources with the checkpointed ones applied. */
  get total(): Resources {
    return this.#total;
  }

  /** The master's new set: checked, written, then in force. Returns why it was refused, or undefined. */
  update(list: unknown): string | undefined {
    let next: Resources;
    let total: Resources;
    try {
      next = Resources.fromJSON(list, 'checkpoint_resources.resources').unallocate();
      if (!checkpointedPart(next).equals(next)) return `checkpoint_resources holds resources that are neither dynamically reserved nor persistent volumes: '${next.subtract(checkpointedPart(next)).toString()}'`;
      total = applyCheckpointed(this.statics, next);
    } catch (err) {
      return (err as Error).message;
    }
    if (!next.equals(this.#checkpointed)) writeJSONAtomic(resourcesInfoPath(this.workDir), next.toJSON(), this.fsync, this.disk);
    this.#checkpointed = next;
    this.#total = total;
    return undefined;
  }
}
