/**
 * The MPI programs of this folder, compiled with MPICH's mpicc into a
 * directory of the caller's (a test's temp dir, an experiment's build dir):
 * binaries are never committed. `mpichMissing()` says why they cannot be
 * built or run here (null: they can).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HYDRA, onPath } from '../../cli/mpi/hydra.js';

export const MPI_PROGRAMS = ['is', 'pingpong', 'collectives', 'hello', 'fail'] as const;
export type MpiProgram = (typeof MPI_PROGRAMS)[number];

/** This folder in the repository (from the build under dist/ too: the C sources are not copied there). */
const SOURCES = fileURLToPath(new URL('.', import.meta.url)).replace(/\/dist\/examples\/mpi\/$/, '/examples/mpi/');

/** Null when mpicc and mpiexec.hydra are on the PATH, else why not (and how to get them). */
export function mpichMissing(): string | null {
  const missing = ['mpicc', HYDRA].filter((p) => onPath(p) === undefined);
  return missing.length === 0 ? null : `${missing.join(' and ')} not on the PATH (make mpich installs Debian's mpich and libmpich-dev)`;
}

/** Compiles every program (-O2) into `dir`; returns their paths by name. */
export function buildMpiPrograms(dir: string): Record<MpiProgram, string> {
  const out = {} as Record<MpiProgram, string>;
  for (const name of MPI_PROGRAMS) {
    const source = join(SOURCES, `${name}.c`);
    out[name] = join(dir, name);
    execFileSync('mpicc', ['-O2', '-o', out[name], source], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  return out;
}
