// Temporary directories of tests, removed only once every process that may write into them
// has exited (waiting on each exit, not on a timer).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  readonly path: string;
  /** Waits for `writers` (each process's exit) and then removes the directory. */
  remove(writers?: readonly { readonly done: Promise<unknown> }[]): Promise<void>;
}

export function tempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return {
    path,
    remove: async (writers = []) => {
      await Promise.all(writers.map((w) => w.done));
      rmSync(path, { recursive: true, force: true });
    },
  };
}
