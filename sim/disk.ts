/**
 * A simulated disk for one agent machine (the agent's `AgentDisk`): files in
 * memory, each with what is in the page cache and what is durable. A crash
 * keeps only the durable part, plus, for a file that was being appended to,
 * a prefix of what was not synced yet drawn from the seed (a torn last
 * write); an atomic rewrite that was not fsync'ed survives a crash or not,
 * drawn too. Asynchronous writes complete after a drawn latency of the
 * virtual clock, so a crash can land between a write and its fsync.
 *
 * Simplifications (stated so nobody relies on them): directories exist once
 * made and renames and removals of directories are durable at once; only
 * file contents have the cache/durable split.
 *
 * The mutation of sim/mutations.ts for the check that the simulator catches a
 * broken agent: `ignoreFsync` turns every fsync into a no-op (the agent's
 * checkpoints are then never durable).
 */
import type { Clock, Random } from 'libprocess-ts';
import type { AgentDisk } from '../agent/disk.js';
import type { SandboxIds } from '../agent/containerizer/sandbox.js';

interface SimFile {
  data: string;
  /** What survives a crash; undefined: nothing (the file was never durable). */
  durable: string | undefined;
  /** Last written by an atomic rewrite without fsync (a crash keeps old or new, drawn). */
  rewritten: boolean;
}

export interface SimDiskOptions {
  readonly clock: Clock;
  readonly random: Random;
  /** Latency of an asynchronous write, ms (drawn uniformly). */
  readonly latencyMs?: readonly [number, number];
  readonly ignoreFsync?: boolean;
}

export class SimDisk implements AgentDisk {
  readonly #files = new Map<string, SimFile>();
  readonly #dirs = new Set<string>();
  /** Directory → the names of what is directly in it (files and directories): renames and removals walk a subtree, not the disk. */
  readonly #children = new Map<string, Set<string>>();
  readonly #o: SimDiskOptions;
  /** Bumped by a crash: completions of writes started before it do nothing. */
  #generation = 0;
  /** Counters (the trace prints them). */
  readonly counters = { writes: 0, fsyncs: 0, crashes: 0, torn: 0, lostWrites: 0, wipes: 0 };

  constructor(options: SimDiskOptions) {
    this.#o = options;
  }

  // ---------------------------------------------------------------- AgentDisk

  writeAtomicSync(path: string, text: string, fsync: boolean): void {
    this.mkdirp(parent(path));
    this.#rewrite(path, text, this.#fsync(fsync));
  }

  writeAtomic(path: string, text: string, fsync: boolean): Promise<void> {
    this.mkdirp(parent(path));
    const gen = this.#generation;
    // Written to a temp file now, renamed over the file when it completes.
    return this.#later(gen, () => this.#rewrite(path, text, this.#fsync(fsync)));
  }

  appendSync(path: string, line: string, fsync: boolean, makeDir: boolean): void {
    if (makeDir) this.mkdirp(parent(path));
    else this.#needDir(path);
    this.#append(path, line, this.#fsync(fsync));
  }

  truncate(path: string, bytes: number): void {
    const f = this.#files.get(path);
    if (f === undefined) throw Object.assign(new Error(`ENOENT: no such file ${path}`), { code: 'ENOENT' });
    f.data = Buffer.from(f.data).subarray(0, bytes).toString();
    if (this.#fsync(true)) f.durable = f.data;
    f.rewritten = false;
  }

  append(path: string, line: string, fsync: boolean): Promise<void> {
    try {
      this.#needDir(path);
    } catch (e) {
      return Promise.reject(e);
    }
    const gen = this.#generation;
    this.#append(path, line, false); // in the page cache now
    const synced = this.#fsync(fsync);
    return this.#later(gen, () => {
      if (synced) this.#sync(path);
    });
  }

  mkdirp(dir: string): void {
    let d = dir;
    while (d !== '/' && d !== '.' && d !== '' && !this.#dirs.has(d)) {
      this.#dirs.add(d);
      this.#link(d);
      d = parent(d);
    }
  }

  read(path: string): string | undefined {
    return this.#files.get(path)?.data;
  }

  /** What of a file would survive a crash now (its durable content); undefined when nothing would. */
  durable(path: string): string | undefined {
    return this.#files.get(path)?.durable;
  }

  hasDir(path: string): boolean {
    return this.#dirs.has(path);
  }

  listDirs(path: string): string[] {
    const dir = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    const names = this.#children.get(dir);
    if (names === undefined) return [];
    return [...names].filter((n) => this.#dirs.has(child(dir, n))).sort();
  }

  /** Directories are durable at once here (see the top): only the latency of the fsync. */
  syncDir(_dir: string): Promise<void> {
    return this.#later(this.#generation, () => {});
  }

  remove(path: string): void {
    for (const p of this.#subtree(path)) {
      this.#files.delete(p);
      this.#dirs.delete(p);
      this.#children.delete(p);
    }
    this.#unlink(path);
  }

  removeLater(path: string): Promise<void> {
    const gen = this.#generation;
    return this.#later(gen, () => this.remove(path));
  }

  rename(from: string, to: string): boolean {
    if (!this.#files.has(from) && !this.#dirs.has(from)) return false;
    this.mkdirp(parent(to));
    const moved = this.#subtree(from).map((p) => ({ p, file: this.#files.get(p), dir: this.#dirs.has(p), kids: this.#children.get(p) }));
    for (const { p } of moved) {
      this.#files.delete(p);
      this.#dirs.delete(p);
      this.#children.delete(p);
    }
    this.#unlink(from);
    for (const { p, file, dir, kids } of moved) {
      const q = to + p.slice(from.length);
      if (file !== undefined) this.#files.set(q, file);
      if (dir) this.#dirs.add(q);
      if (kids !== undefined) this.#children.set(q, kids);
    }
    this.#link(to);
    return true;
  }

  exists(path: string): boolean {
    return this.#files.has(path) || this.#dirs.has(path);
  }

  mkdirpLater(dir: string): Promise<void> {
    this.mkdirp(dir);
    return this.#later(this.#generation, () => {});
  }

  emptyDirLater(dir: string): Promise<void> {
    const gen = this.#generation;
    return this.#later(gen, () => {
      for (const name of [...(this.#children.get(dir) ?? [])]) this.remove(child(dir, name));
    });
  }

  /** A link is kept as a file naming its target (nothing here follows links). */
  symlinkLater(target: string, path: string): Promise<void> {
    this.mkdirp(parent(path));
    const gen = this.#generation;
    return this.#later(gen, () => this.#rewrite(path, `-> ${target}`, true));
  }

  createSandbox(workDir: string, ids: SandboxIds): Promise<void> {
    this.mkdirp(`${workDir}/slaves/${ids.agentId}/frameworks/${ids.frameworkId}/executors/${ids.executorId}/runs/${ids.containerId}`);
    return this.#later(this.#generation, () => {});
  }

  stderrTail(_sandbox: string): Promise<string> {
    return this.#later(this.#generation, () => '');
  }

  // ---------------------------------------------------------------- faults

  /**
   * The machine loses power: every file keeps its durable content; an
   * append in flight may leave a prefix of its unsynced bytes (torn); a
   * rewrite without fsync may or may not have reached the disk. Writes in
   * flight never complete.
   */
  crash(): void {
    this.#generation++;
    this.counters.crashes++;
    const r = this.#o.random;
    for (const [path, f] of [...this.#files]) {
      if (f.durable === f.data) continue;
      if (f.rewritten) {
        if (r.chance(0.5)) f.durable = f.data;
        else this.counters.lostWrites++;
      } else {
        const base = f.durable ?? '';
        if (f.data.startsWith(base) && f.data.length > base.length && r.chance(0.5)) {
          const extra = f.data.slice(base.length);
          const keep = r.int(extra.length + 1);
          if (keep < extra.length && extra[keep - 1] !== '\n') this.counters.torn++;
          f.durable = base + extra.slice(0, keep);
        } else {
          this.counters.lostWrites++;
        }
      }
      if (f.durable === undefined) {
        this.#files.delete(path);
        this.#unlink(path);
      } else {
        f.data = f.durable;
        f.rewritten = false;
      }
    }
  }

  /** The machine's disk is replaced: nothing survives. */
  wipe(): void {
    this.#generation++;
    this.counters.wipes++;
    this.#files.clear();
    this.#dirs.clear();
    this.#children.clear();
  }

  /** Every file's path and content (tests). */
  files(): Map<string, string> {
    return new Map([...this.#files].map(([k, v]) => [k, v.data]));
  }

  // ---------------------------------------------------------------- internals

  #fsync(asked: boolean): boolean {
    if (asked && !this.#o.ignoreFsync) {
      this.counters.fsyncs++;
      return true;
    }
    return false;
  }

  #rewrite(path: string, text: string, durable: boolean): void {
    this.counters.writes++;
    const f = this.#files.get(path);
    if (f === undefined) {
      this.#files.set(path, { data: text, durable: durable ? text : undefined, rewritten: !durable });
      this.#link(path);
    } else {
      f.data = text;
      if (durable) {
        f.durable = text;
        f.rewritten = false;
      } else f.rewritten = true;
    }
  }

  #append(path: string, line: string, durable: boolean): void {
    this.counters.writes++;
    let f = this.#files.get(path);
    if (f === undefined) {
      this.#files.set(path, (f = { data: '', durable: undefined, rewritten: false }));
      this.#link(path);
    }
    f.data += line;
    if (durable) f.durable = f.data;
  }

  #sync(path: string): void {
    const f = this.#files.get(path);
    if (f !== undefined) {
      f.durable = f.data;
      f.rewritten = false;
    }
  }

  /** Records `path` among its directory's entries. */
  #link(path: string): void {
    const dir = parent(path);
    let names = this.#children.get(dir);
    if (names === undefined) this.#children.set(dir, (names = new Set()));
    names.add(path.slice(path.lastIndexOf('/') + 1));
  }

  #unlink(path: string): void {
    this.#children.get(parent(path))?.delete(path.slice(path.lastIndexOf('/') + 1));
  }

  /** `path` and everything under it. */
  #subtree(path: string): string[] {
    const out = [path];
    for (let i = 0; i < out.length; i++) {
      const names = this.#children.get(out[i]!);
      if (names !== undefined) for (const n of names) out.push(child(out[i]!, n));
    }
    return out;
  }

  #needDir(path: string): void {
    const dir = parent(path);
    if (!this.#dirs.has(dir)) throw Object.assign(new Error(`ENOENT: no such directory ${dir}`), { code: 'ENOENT' });
  }

  #later<T>(gen: number, fn: () => T): Promise<T> {
    const [min, max] = this.#o.latencyMs ?? [0, 2];
    const ms = min + this.#o.random.int(max - min + 1);
    return new Promise<T>((resolve, reject) => {
      this.#o.clock.timer(ms, () => {
        if (gen !== this.#generation) return; // crashed meanwhile: never completes
        try {
          resolve(fn());
        } catch (e) {
          reject(e);
        }
      });
    });
  }
}

function parent(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function child(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}
