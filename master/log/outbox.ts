/**
 * What the consensus core's inputs asked of the host since the last Ready
 * (core-types.ts): writes, messages that may leave before them (a leader's
 * appends: its fsync overlaps replication) and after them, entries committed,
 * a snapshot installed, and the role last reported. `take` hands it over and
 * starts again.
 */
import type { Ready } from './core-types.js';
import type { Message, Outgoing } from './messages.js';
import type { Entry, RoleState, Snapshot, Write } from './types.js';

export class Outbox {
  #writes: Write[] = [];
  #eager: Outgoing[] = [];
  #messages: Outgoing[] = [];
  #committed: Entry[] = [];
  #installed: Snapshot | undefined;
  #reported: RoleState;

  constructor(role: RoleState) {
    this.#reported = role;
  }

  write(w: Write): void {
    this.#writes.push(w);
  }

  /** `eager`: it may leave before the writes are durable (a leader's appends and snapshots); else after them. */
  send(to: string, message: Message, eager: boolean): void {
    (eager ? this.#eager : this.#messages).push({ to, message });
  }

  committed(e: Entry): void {
    this.#committed.push(e);
  }

  /** A snapshot from the leader: what was committed in this Ready before it is superseded. */
  installed(snapshot: Snapshot): void {
    this.#installed = snapshot;
    this.#committed = [];
  }

  /** The Ready of everything since the last; `last`: the log's last entry, `role`: the role now (reported when it changed). */
  take(last: { readonly index: number; readonly term: number }, role: RoleState): Ready {
    const r = this.#reported;
    const changed = role.role !== r.role || role.term !== r.term || role.leader !== r.leader || role.ready !== r.ready;
    if (changed) this.#reported = role;
    // Conservative: nothing leaves before a change of term or vote is durable.
    const holdEager = this.#eager.length > 0 && this.#writes.some((w) => w.type === 'hardState');
    const ready: Ready = {
      eager: holdEager ? [] : this.#eager,
      writes: this.#writes,
      persist: this.#writes.length > 0 ? last : undefined,
      messages: holdEager ? [...this.#eager, ...this.#messages] : this.#messages,
      committed: this.#committed,
      snapshot: this.#installed,
      role: changed ? role : undefined,
    };
    this.#writes = [];
    this.#eager = [];
    this.#messages = [];
    this.#committed = [];
    this.#installed = undefined;
    return ready;
  }
}
