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
  readonly #o: SimDiskOptions;
  /** Bumped by a crash: completions of writes started before it do nothing. */
  #generation = 0;
  /** Counters (the trace prints them). */
  readonly counters = { writes: 0, fsyncs: 0, crashes: 0, torn: 0, lostWrites: 0 };

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
      d = parent(d);
    }
  }

  read(path: string): string | undefined {
    return this.#files.get(path)?.data;
  }

  listDirs(path: string): string[] {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const out = new Set<string>();
    for (const d of this.#dirs) {
      if (!d.startsWith(prefix)) continue;
      const rest = d.slice(prefix.length);
      if (rest !== '' && !rest.includes('/')) out.add(rest);
    }
    return [...out].sort();
  }

  remove(path: string): void {
    const prefix = `${path}/`;
    this.#files.delete(path);
    for (const f of [...this.#files.keys()]) if (f.startsWith(prefix)) this.#files.delete(f);
    this.#dirs.delete(path);
    for (const d of [...this.#dirs]) if (d.startsWith(prefix)) this.#dirs.delete(d);
  }

  removeLater(path: string): Promise<void> {
    const gen = this.#generation;
    return this.#later(gen, () => this.remove(path));
  }

  rename(from: string, to: string): boolean {
    const prefix = `${from}/`;
    const isFile = this.#files.has(from);
    if (!isFile && !this.#dirs.has(from)) return false;
    this.mkdirp(parent(to));
    if (isFile) {
      this.#files.set(to, this.#files.get(from)!);
      this.#files.delete(from);
    }
    for (const [f, v] of [...this.#files]) {
      if (!f.startsWith(prefix)) continue;
      this.#files.delete(f);
      this.#files.set(to + f.slice(from.length), v);
    }
    if (this.#dirs.delete(from)) this.#dirs.add(to);
    for (const d of [...this.#dirs]) {
      if (!d.startsWith(prefix)) continue;
      this.#dirs.delete(d);
      this.#dirs.add(to + d.slice(from.length));
    }
    return true;
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
      if (f.durable === undefined) this.#files.delete(path);
      else {
        f.data = f.durable;
        f.rewritten = false;
      }
    }
  }

  /** The machine's disk is replaced: nothing survives. */
  wipe(): void {
    this.#generation++;
    this.#files.clear();
    this.#dirs.clear();
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
    if (f === undefined) this.#files.set(path, { data: text, durable: durable ? text : undefined, rewritten: !durable });
    else {
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
    if (f === undefined) this.#files.set(path, (f = { data: '', durable: undefined, rewritten: false }));
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
