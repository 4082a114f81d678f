/**
 * Deliberately broken builds, applied only through what the simulation
 * injects (the simulated disk, hooks the sim installs), never in a
 * production code path: the simulator must catch each (sim/test/mutations.test.ts).
 */
export interface Mutations {
  /** The agent's checkpoint fsyncs do nothing (the simulated disk ignores them). */
  readonly skipFsync?: boolean;
}

export const MUTATIONS = ['skipFsync'] as const;
export type MutationName = (typeof MUTATIONS)[number];

export function parseMutation(text: string | undefined): Mutations {
  if (text === undefined || text === '') return {};
  if (!(MUTATIONS as readonly string[]).includes(text)) throw new Error(`unknown mutation '${text}' (known: ${MUTATIONS.join(', ')})`);
  return { [text]: true };
}
