/**
 * One shared `Resources` object per distinct content. A cluster's agents are mostly alike
 * (50k agents, a handful of machine shapes), and each registration parses its own copy of
 * the same resources: kept per agent by the master and again by the allocator, and every
 * object the allocator derives from one (its allocated form per role, its quantity vector)
 * is built and remembered once per object. Interning a total at registration makes those
 * one per shape instead of one per agent.
 *
 * `Resources` is immutable, so sharing an equal object is safe. Two values are the same
 * content when their JSON forms with copies are the same text (the order of the entries
 * included: the shared object is then indistinguishable from the one it replaces). The
 * table holds its objects weakly: a shape no agent has any more is collected with its entry.
 */
import { Resources } from './resources.js';

const table = new Map<string, WeakRef<Resources>>();
const cleanup = new FinalizationRegistry<string>((key) => {
  // The key may have been taken by a newer object since this one died.
  if (table.get(key)?.deref() === undefined) table.delete(key);
});

/** An object equal to `r`: the first one interned with this content that is still alive, or `r` itself. */
export function internResources(r: Resources): Resources {
  if (r.isEmpty()) return r;
  const key = JSON.stringify(r.toJSONWithCopies());
  const known = table.get(key)?.deref();
  if (known !== undefined) return known;
  table.set(key, new WeakRef(r));
  cleanup.register(r, key);
  return r;
}
