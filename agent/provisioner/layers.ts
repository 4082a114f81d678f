/**
 * Applies image layers to a root filesystem directory, in order, with the
 * OCI/Docker whiteouts: `.wh.<name>` removes <name> of the layers below,
 * `.wh..wh..opq` empties its directory of them. Whiteouts of a layer are
 * applied before its other entries, so they never hide what the same layer adds.
 *
 * Every path is confined to the root: an entry naming `..`, or reaching
 * through a symlink, is refused (a layer cannot write outside its rootfs).
 */
import { chmod, chown, lchown, link, lstat, mkdir, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TarEntry } from './tar.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';

export class LayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayerError';
  }
}

export interface ApplyResult {
  /** Entries not created (device nodes, fifos): /dev is mounted by the isolator. */
  skipped: string[];
}

/** Splits an archive path into safe components, or throws naming it. */
export function components(name: string, what = 'entry'): string[] {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  for (const p of parts) if (p === '..') throw new LayerError(`layer ${what} ${JSON.stringify(name)} leaves the root filesystem ('..')`);
  return parts;
}

class Applier {
  private readonly dirs = new Set<string>();
  constructor(private readonly root: string) {
    this.dirs.add(root);
  }

  /** Makes every parent of `parts` a real directory under the root; refuses symlinks on the way. */
  async parent(parts: string[], name: string): Promise<string> {
    let p = this.root;
    for (const c of parts.slice(0, -1)) {
      p = join(p, c);
      if (this.dirs.has(p)) continue;
      const st = await lstat(p).catch(() => null);
      if (!st) await mkdir(p, { mode: 0o755 });
      else if (st.isSymbolicLink()) throw new LayerError(`layer entry ${JSON.stringify(name)} goes through the symlink ${JSON.stringify(p.slice(this.root.length))}`);
      else if (!st.isDirectory()) throw new LayerError(`layer entry ${JSON.stringify(name)} needs ${JSON.stringify(p.slice(this.root.length))} to be a directory`);
      this.dirs.add(p);
    }
    return join(this.root, ...parts);
  }

  async whiteout(e: TarEntry): Promise<boolean> {
    const parts = components(e.name);
    const base = parts[parts.length - 1];
    if (!base?.startsWith(WHITEOUT_PREFIX)) return false;
    const dirParts = parts.slice(0, -1);
    const dir = join(this.root, ...dirParts);
    const st = await lstat(dir).catch(() => null);
    if (!st?.isDirectory()) return true; // nothing below to hide
    await this.parent([...dirParts, 'x'], e.name); // refuses a symlinked path
    if (base === OPAQUE_WHITEOUT) {
      for (const child of await readdir(dir)) await rm(join(dir, child), { recursive: true, force: true });
    } else {
      const hidden = base.slice(WHITEOUT_PREFIX.length);
      if (hidden === '' || hidden === '..' || hidden === '.') throw new LayerError(`bad whiteout ${JSON.stringify(e.name)}`);
      await rm(join(dir, hidden), { recursive: true, force: true });
    }
    return true;
  }

  async entry(e: TarEntry, skipped: string[]): Promise<void> {
    const parts = components(e.name);
    if (parts.length === 0) {
      if (e.type === 'directory') await this.owner(this.root, e);
      return;
    }
    const path = await this.parent(parts, e.name);
    const existing = await lstat(path).catch(() => null);
    if (existing && !(existing.isDirectory() && e.type === 'directory')) {
      await rm(path, { recursive: true, force: true });
      this.dirs.delete(path);
    }
    switch (e.type) {
      case 'directory':
        if (!existing?.isDirectory()) await mkdir(path, { mode: 0o755 });
        await this.owner(path, e);
        return;
      case 'file':
        await writeFile(path, e.data, { mode: 0o600 });
        await this.owner(path, e);
        await utimes(path, e.mtime, e.mtime);
        return;
      case 'symlink':
        await symlink(e.linkname, path);
        await lchown(path, e.uid, e.gid).catch(() => {});
        return;
      case 'link': {
        const targetParts = components(e.linkname, 'hard link target');
        const target = await this.parent(targetParts, e.linkname);
        const st = await lstat(target).catch(() => null);
        if (!st || st.isDirectory()) throw new LayerError(`hard link ${JSON.stringify(e.name)} names ${JSON.stringify(e.linkname)}, which is not a file in the layers so far`);
        await link(target, path);
        return;
      }
      default:
        skipped.push(`${e.name} (${e.type})`);
    }
  }

  /** Ownership, then mode (chown clears set-id bits). Ownership is best effort when not root. */
  private async owner(path: string, e: TarEntry): Promise<void> {
    await chown(path, e.uid, e.gid).catch(() => {});
    await chmod(path, e.mode);
  }
}

/** Applies one layer's entries to `root` (which exists). */
export async function applyLayer(root: string, entries: TarEntry[]): Promise<ApplyResult> {
  const a = new Applier(root);
  const skipped: string[] = [];
  const rest: TarEntry[] = [];
  for (const e of entries) if (!(await a.whiteout(e))) rest.push(e);
  for (const e of rest) await a.entry(e, skipped);
  return { skipped };
}
