import type { Resources } from '../protocol/resources.js';
import type { Timer } from 'libprocess-ts';

/** An outstanding offer: resources of one agent, allocated to one framework under one role. */
export interface OutstandingOffer {
  readonly id: string;
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  readonly resources: Resources;
  /** The `offer_timeout` timer, when the flag is set. */
  timer: Timer | undefined;
}

/**
 * Outstanding offers, indexed by id, by framework and by agent, so the master
 * can find and rescind all of one agent's (agent lost) or one framework's
 * (framework disconnected) offers without scanning.
 */
export class OfferBook {
  readonly #byId = new Map<string, OutstandingOffer>();
  readonly #byFramework = new Map<string, Set<string>>();
  readonly #byAgent = new Map<string, Set<string>>();

  get size(): number {
    return this.#byId.size;
  }

  add(offer: OutstandingOffer): void {
    this.#byId.set(offer.id, offer);
    index(this.#byFramework, offer.frameworkId, offer.id);
    index(this.#byAgent, offer.agentId, offer.id);
  }

  get(id: string): OutstandingOffer | undefined {
    return this.#byId.get(id);
  }

  /** Removes the offer (cancelling its timer) and returns it. */
  remove(id: string): OutstandingOffer | undefined {
    const offer = this.#byId.get(id);
    if (offer === undefined) return undefined;
    this.#byId.delete(id);
    unindex(this.#byFramework, offer.frameworkId, id);
    unindex(this.#byAgent, offer.agentId, id);
    offer.timer?.cancel();
    offer.timer = undefined;
    return offer;
  }

  ofFramework(frameworkId: string): OutstandingOffer[] {
    return [...(this.#byFramework.get(frameworkId) ?? [])].map((id) => this.#byId.get(id)!);
  }

  ofAgent(agentId: string): OutstandingOffer[] {
    return [...(this.#byAgent.get(agentId) ?? [])].map((id) => this.#byId.get(id)!);
  }

  all(): IterableIterator<OutstandingOffer> {
    return this.#byId.values();
  }
}

function index(map: Map<string, Set<string>>, key: string, id: string): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(id);
}

function unindex(map: Map<string, Set<string>>, key: string, id: string): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(id);
  if (set.size === 0) map.delete(key);
}
