import { existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realClock } from 'libprocess-ts';

export function tmp(prefix = 'cz-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function cleanup(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Polls a real condition every 10 ms, failing after `ms`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = realClock.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (realClock.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise<void>((r) => realClock.timer(10, r));
  }
}

export const waitForFile = (path: string, ms = 5000) => waitFor(() => existsSync(path), ms, path);

let n = 0;
export function cid(tag = 'c'): string {
  return `${tag}-${process.pid}-${realClock.now().toString(36)}-${n++}`;
}
