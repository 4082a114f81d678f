import { describe, test, expect, afterAll } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { discardCheckpointDir, trashDir } from '../../checkpoint.js';
import { removeOffLoop } from '../remover.js';
import { createSandbox } from '../sandbox.js';
import { cleanup, tmp, waitFor } from './helpers.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await cleanup(d);
});
const mkdir = (): string => {
  const d = tmp('cz-remover-');
  dirs.push(d);
  return d;
};

/** A small tree like an ended run's checkpoints: nested directories with files. */
function tree(root: string, name: string): string {
  const top = join(root, name);
  mkdirSync(join(top, 'runs', 'c1', 'tasks', 't1'), { recursive: true });
  writeFileSync(join(top, 'executor.info'), '{}');
  writeFileSync(join(top, 'runs', 'c1', 'run.info'), '{}');
  writeFileSync(join(top, 'runs', 'c1', 'tasks', 't1', 'task.updates'), 'x\n');
  return top;
}

describe('removeOffLoop (rm -rf on the removal thread)', () => {
  test('the trees one turn discards are all removed, and an absent path is no error', async () => {
    const w = mkdir();
    const a = tree(w, 'a');
    const b = tree(w, 'b');
    const keep = tree(w, 'keep');
    await Promise.all([removeOffLoop(a), removeOffLoop(b), removeOffLoop(join(w, 'never-there'))]);
    expect(existsSync(a)).toBe(false);
    expect(existsSync(b)).toBe(false);
    expect(existsSync(join(keep, 'runs', 'c1', 'tasks', 't1', 'task.updates'))).toBe(true);
  });

  test('a path the removal refuses rejects with its reason, and the others of its batch still go', async () => {
    const w = mkdir();
    const a = tree(w, 'a');
    const bad = removeOffLoop(`${w}/bad\0name`);
    const good = removeOffLoop(a);
    await expect(bad).rejects.toThrow(/null bytes/);
    await good;
    expect(existsSync(a)).toBe(false);
  });
});

describe('discardCheckpointDir', () => {
  test('moves the directory into the trash (made at the first discard) and removes it there', async () => {
    const w = mkdir();
    const meta = join(w, 'meta');
    mkdirSync(meta);
    discardCheckpointDir(join(meta, 'absent'), w);
    expect(existsSync(trashDir(w))).toBe(false); // nothing to discard: no trash made
    const first = tree(meta, 'ex1');
    const second = tree(meta, 'ex2');
    discardCheckpointDir(first, w);
    discardCheckpointDir(second, w);
    expect(existsSync(first) || existsSync(second)).toBe(false); // gone from the checkpoints at once (renamed)
    await waitFor(() => readdirSync(trashDir(w)).length === 0, 5000, 'the trash emptied');
  });
});

describe('createSandbox', () => {
  test('a temp link a crash left between the link and its rename is replaced', async () => {
    const w = mkdir();
    const ids = { agentId: 'A', frameworkId: 'F', executorId: 'E', containerId: 'C9' };
    const runs = join(w, 'slaves', 'A', 'frameworks', 'F', 'executors', 'E', 'runs');
    mkdirSync(runs, { recursive: true });
    symlinkSync('stale', join(runs, `.latest.${process.pid}.C9`));
    const s = await createSandbox(w, ids);
    expect(readlinkSync(s.latest)).toBe('C9');
    expect(existsSync(join(runs, `.latest.${process.pid}.C9`))).toBe(false);
  });
});
