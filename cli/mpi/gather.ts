/**
 * Gathering an MPI job's slots from offers, all or nothing: offers are held
 * (merged per agent) until they have room for every rank, then the placement
 * is final and every other offer is declined; if that has not happened within
 * the timeout, every held offer is declined and the job fails with what the
 * offers had room for. Driven by the scheduler's callbacks; time from `clock`.
 */
import type { Clock, Timer } from 'libprocess-ts';
import type { Resources } from '../../framework/scheduler/helpers.js';
import type { SchedulerDriver } from '../../framework/scheduler/index.js';
import type { Offer, OfferID } from '../../protocol/types.js';
import { mergeByAgent, place, type Node, type PlacementResult } from './placement.js';

export interface GatherOptions {
  readonly ranks: number;
  readonly perRank: Resources;
  readonly maxPerAgent?: number;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly log: (line: string) => void;
}

export type Gathered = { readonly nodes: readonly Node[] } | { readonly error: string };

/** `per`'s text as the user gave it (cpus:1;mem:128). */
export const describeRoom = (r: PlacementResult): string =>
  r.roomByHost.length === 0 ? 'no offers came' : `the offers held had room for ${r.room} (${r.roomByHost.map((h) => `${h.hostname}: ${h.slots}`).join(', ')})`;

export class SlotGatherer {
  readonly #held = new Map<string, Offer>();
  #nodes: readonly Node[] | undefined;
  #last: PlacementResult = { room: 0, roomByHost: [] };
  #timer: Timer | undefined;
  #done = false;
  #resolve!: (g: Gathered) => void;
  readonly result: Promise<Gathered>;

  constructor(private readonly options: GatherOptions) {
    this.result = new Promise((r) => (this.#resolve = r));
  }

  /** Starts the timeout; `driver` declines the held offers if it fires. */
  start(driver: () => SchedulerDriver | undefined): void {
    const o = this.options;
    this.#timer = o.clock.timer(o.timeoutMs, () => {
      if (this.#done) return;
      const d = driver();
      if (d !== undefined && this.#held.size > 0) d.declineOffers([...this.#held.values()].map((x) => x.id), { refuse_seconds: 5 });
      this.#held.clear();
      this.#finish({ error: `the cluster cannot fit the job within ${o.timeoutMs / 1000} s: it needs ${o.ranks} slot(s) of ${o.perRank.toString()}, and ${describeRoom(this.#last)}` });
    });
  }

  offers(driver: SchedulerDriver, offers: readonly Offer[]): void {
    if (this.#done) {
      driver.declineOffers(offers.map((x) => x.id), { refuse_seconds: 3600 });
      return;
    }
    for (const x of offers) this.#held.set(x.id.value, x);
    const o = this.options;
    this.#last = place(mergeByAgent([...this.#held.values()]), o.ranks, o.perRank, o.maxPerAgent);
    if (this.#last.nodes === undefined) {
      o.log(`holding ${this.#held.size} offer(s): room for ${this.#last.room} of ${o.ranks} rank(s)`);
      return;
    }
    this.#nodes = this.#last.nodes;
    const used = new Set(this.#nodes.flatMap((n) => n.offerIds.map((id) => id.value)));
    const unused = [...this.#held.values()].filter((x) => !used.has(x.id.value));
    if (unused.length > 0) driver.declineOffers(unused.map((x) => x.id), { refuse_seconds: 3600 });
    driver.suppressOffers();
    this.#finish({ nodes: this.#nodes });
  }

  /** An offer taken back: it leaves the hold (a final placement keeps it: its launch will be refused). */
  rescinded(id: OfferID): void {
    this.#held.delete(id.value);
  }

  /** The connection broke: held offers are void. */
  disconnected(): void {
    if (!this.#done) this.#held.clear();
  }

  /** Gives up (the job is stopping): the hold ends without a placement. */
  abandon(error: string): void {
    this.#finish({ error });
  }

  #finish(g: Gathered): void {
    if (this.#done) return;
    this.#done = true;
    this.#timer?.cancel();
    this.#resolve(g);
  }
}
