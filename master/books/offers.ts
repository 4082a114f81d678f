/**
 * Offer transitions: made (an allocation becomes an offer), used (ACCEPT),
 * given back (DECLINE, with the framework's filter), recalled (its framework
 * disconnected or failed over: the old scheduler is not told), rescinded (it
 * timed out, or its agent went: the scheduler is told). What an offer held
 * goes back to the allocator while its agent is registered.
 */
import type { Framework } from '../framework.js';
import type { OfferBook, OutstandingOffer } from '../offers.js';
import type { Books } from './books.js';
import type { Effect } from './effects.js';

export interface OfferBooks extends Pick<Books, 'agents' | 'frameworks'> {
  readonly offers: OfferBook;
}

export function made(books: OfferBooks, offer: OutstandingOffer): Effect[] {
  books.offers.add(offer);
  return [];
}

/** The offers an ACCEPT names leave the books (what it does not use is recovered by the caller, with its filter). */
export function used(books: OfferBooks, offers: readonly OutstandingOffer[]): Effect[] {
  for (const o of offers) books.offers.remove(o.id);
  return [];
}

/** DECLINE: back to the allocator with the framework's filter. Offers of another framework, or gone, are ignored (as Mesos). */
export function declined(books: OfferBooks, framework: Framework, offerId: string, refuseSeconds: number): Effect[] {
  const offer = books.offers.get(offerId);
  if (offer === undefined || offer.frameworkId !== framework.id) return [];
  books.offers.remove(offer.id);
  return [{ kind: 'count', name: 'master/offers_declined' }, recover(offer, refuseSeconds)];
}

/** The framework's offers come back without telling its (old) scheduler. */
export function recalled(books: OfferBooks, frameworkId: string): Effect[] {
  const effects: Effect[] = [];
  for (const o of books.offers.ofFramework(frameworkId)) {
    books.offers.remove(o.id);
    if (books.agents.has(o.agentId)) effects.push(recover(o));
  }
  return effects;
}

/** The offer is withdrawn: its scheduler (when connected) is told. */
export function rescinded(books: OfferBooks, offerId: string, refuseSeconds?: number): Effect[] {
  const offer = books.offers.remove(offerId);
  if (offer === undefined) return [];
  const effects: Effect[] = [];
  const framework = books.frameworks.get(offer.frameworkId);
  if (framework !== undefined && framework.connected) effects.push({ kind: 'rescind', framework, offerId });
  effects.push({ kind: 'count', name: 'master/offers_rescinded' });
  if (books.agents.has(offer.agentId)) effects.push(recover(offer, refuseSeconds));
  return effects;
}

function recover(o: OutstandingOffer, refuseSeconds?: number): Effect {
  return { kind: 'recover', frameworkId: o.frameworkId, agentId: o.agentId, resources: o.resources.json(), ...(refuseSeconds !== undefined ? { refuseSeconds } : {}) };
}
