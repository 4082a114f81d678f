/**
 * Deliberately broken builds, applied only through what the simulation
 * injects (the simulated disk; a wrapper the sim puts around a leader's
 * allocator core), never in a production code path: the simulator must catch
 * each (sim/test/mutations.test.ts).
 */
export interface Mutations {
  /** The agent's checkpoint fsyncs do nothing (the simulated disk ignores them). */
  readonly skipFsync?: boolean;
  /** The leader's allocator takes back every recovered resource twice (the sim wraps its core's `recoverResources`): what the framework still holds there is offered again. */
  readonly recoverTwice?: boolean;
}

export const MUTATIONS = ['skipFsync', 'recoverTwice'] as const;
export type MutationName = (typeof MUTATIONS)[number];

export function parseMutation(text: string | undefined): Mutations {
  if (text === undefined || text === '') return {};
  if (!(MUTATIONS as readonly string[]).includes(text)) throw new Error(`unknown mutation '${text}' (known: ${MUTATIONS.join(', ')})`);
  return { [text]: true };
}
