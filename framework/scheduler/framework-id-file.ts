/**
 * The framework id checkpoint: read when the driver starts (so a restarted
 * scheduler fails over to the same framework), written atomically (temporary
 * file, fsync, rename) whenever the master confirms a subscription, removed on
 * teardown (the id is dead then).
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function readFrameworkId(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the framework id file ${path}: ${(e as Error).message}`);
  }
  const id = text.trim();
  return id === '' ? undefined : id;
}

export async function writeFrameworkId(path: string, id: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(`${id}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

export async function removeFrameworkId(path: string): Promise<void> {
  await rm(path, { force: true });
}
