/**
 * The URI fetcher (Mesos's `mesos-fetcher`, src/slave/containerizer/fetcher.cpp):
 * before a container starts, each of its `CommandInfo.uris` is copied into
 * its sandbox (through the cache when `cache: true`), then extracted or made
 * executable. Every step is written to `<sandbox>/fetcher.log`; the first
 * failure stops the fetch with an error naming the URI. The agent bounds the
 * whole fetch by `--executor_registration_timeout` through `signal`.
 */
import { appendFile, chmod, chown, copyFile, lstat, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CommandInfoURI } from '../../protocol/types.js';
import { resolveUser, type UserIds } from '../containerizer/index.js';
import { FetcherCache } from './cache.js';
import { download } from './download.js';
import { extract } from './extract.js';
import { planUri, UriError, type PlannedUri } from './uri.js';

export const FETCHER_LOG = 'fetcher.log';

export interface FetchRequest {
  readonly uris: readonly CommandInfoURI[];
  readonly sandbox: string;
  /** The user the container runs as: fetched files are given to it. */
  readonly user?: string;
  readonly signal: AbortSignal;
}

/** What the agent needs of a fetcher (`sim/` may give its own). */
export interface UriFetcher {
  fetch(req: FetchRequest): Promise<void>;
  /** Mesos's `containerizer/fetcher/*` metrics. */
  metrics(): Record<string, number>;
}

export class FetchError extends Error {
  constructor(
    readonly uri: string,
    readonly why: string,
  ) {
    super(`Failed to fetch '${uri}': ${why}`);
  }
}

export interface FetcherOptions {
  readonly cacheDir: string;
  readonly cacheSizeBytes: number;
  /** How far one archive may expand (--fetcher_max_extracted_size). */
  readonly maxExtractedBytes: number;
  /** Wall-clock time for log lines (the agent's clock). */
  readonly now: () => number;
}

export class Fetcher implements UriFetcher {
  readonly cache: FetcherCache;
  #succeeded = 0;
  #failed = 0;
  #cacheReady: Promise<void> | undefined;

  constructor(private readonly opts: FetcherOptions) {
    this.cache = new FetcherCache(opts.cacheDir, opts.cacheSizeBytes, (p) => rm(p, { force: true }), join);
  }

  metrics(): Record<string, number> {
    const s = this.cache.stats();
    return {
      'containerizer/fetcher/task_fetches_succeeded': this.#succeeded,
      'containerizer/fetcher/task_fetches_failed': this.#failed,
      'containerizer/fetcher/cache_size_total_bytes': s.totalBytes,
      'containerizer/fetcher/cache_size_used_bytes': s.usedBytes,
      'containerizer/fetcher/cache_hits': s.hits,
      'containerizer/fetcher/cache_misses': s.misses,
      'containerizer/fetcher/cache_evictions': s.evictions,
    };
  }

  async fetch(req: FetchRequest): Promise<void> {
    const log = join(req.sandbox, FETCHER_LOG);
    const say = (line: string): Promise<void> => appendFile(log, `${new Date(this.opts.now()).toISOString()} ${line}\n`);
    const user = req.user !== undefined ? await resolveUser(req.user) : undefined;
    try {
      for (const uri of req.uris) {
        let plan: PlannedUri;
        try {
          plan = planUri(uri);
        } catch (e) {
          throw new FetchError(String(uri.value), (e as UriError).message);
        }
        try {
          await this.#one(plan, req.sandbox, req.signal, say, user);
          if (user) await chownTree(join(req.sandbox, plan.outputFile.split('/')[0]!), user.uid, user.gid, plan.extract !== undefined ? req.sandbox : undefined);
        } catch (e) {
          const why = req.signal.aborted ? abortText(req.signal) : (e as Error).message;
          await say(`Failed to fetch '${plan.value}': ${why}`).catch(() => {});
          throw new FetchError(plan.value, why);
        }
      }
      if (user) await chown(log, user.uid, user.gid).catch(() => {});
      this.#succeeded++;
    } catch (e) {
      this.#failed++;
      throw e;
    }
  }

  async #one(plan: PlannedUri, sandbox: string, signal: AbortSignal, say: (l: string) => Promise<void>, user: UserIds | undefined): Promise<void> {
    const dest = await sandboxDest(sandbox, plan.outputFile);
    if (plan.cache) {
      await (this.#cacheReady ??= this.#clearCacheDir());
      // Mesos's cache key is the user and the URI: what one user could read is never served to another.
      const handle = await this.cache.acquire(cacheKey(user?.name, plan.value), async (path) => {
        await say(`Downloading '${plan.value}' into the cache (${path})${user ? ` as user '${user.name}'` : ''}`);
        return download(plan.source, path, signal, user);
      });
      try {
        await say(`${handle.hit ? 'Cache hit' : 'Cache miss'} for '${plan.value}'${handle.cached ? '' : ' (too big for the cache: not kept)'}`);
        await copyFile(handle.path, dest);
      } finally {
        handle.release();
      }
    } else {
      await say(`Downloading '${plan.value}' to '${dest}'`);
      await download(plan.source, dest, signal, user);
    }
    const size = (await stat(dest)).size;
    await say(`Fetched '${plan.value}' to '${dest}' (${size} bytes)`);
    if (plan.executable) {
      await chmod(dest, 0o755);
      await say(`Made '${dest}' executable`);
    }
    if (plan.extract) {
      await extract(plan.extract, dest, signal, this.opts.maxExtractedBytes);
      await say(`Extracted '${dest}' into '${dirname(dest)}'`);
    }
  }

  /** Mesos empties the cache directory at start: entries are known only to the running agent. */
  async #clearCacheDir(): Promise<void> {
    await mkdir(this.opts.cacheDir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.opts.cacheDir)) await rm(join(this.opts.cacheDir, name), { recursive: true, force: true });
  }
}

/**
 * The output file's path, its folders made: no component may be a symbolic
 * link (an archive fetched before could have left one pointing out of the
 * sandbox), and the file itself, if there, must be a regular file.
 */
async function sandboxDest(sandbox: string, rel: string): Promise<string> {
  const parts = rel.split('/');
  let at = sandbox;
  for (const [i, part] of parts.entries()) {
    at = join(at, part);
    const s = await lstat(at).catch(() => undefined);
    const last = i === parts.length - 1;
    if (s?.isSymbolicLink()) throw new Error(`'${parts.slice(0, i + 1).join('/')}' in the sandbox is a symbolic link: not written through`);
    if (!s && !last) await mkdir(at);
    else if (s && !last && !s.isDirectory()) throw new Error(`'${parts.slice(0, i + 1).join('/')}' in the sandbox is not a directory`);
    else if (s && last && !s.isFile()) throw new Error(`'${rel}' in the sandbox exists and is not a regular file`);
  }
  return at;
}

/** The cache's key: the user the artifact was fetched for, and the URI (a NUL cannot be in a user name). */
export function cacheKey(user: string | undefined, uri: string): string {
  return user === undefined ? uri : `${user}\0${uri}`;
}

function abortText(signal: AbortSignal): string {
  return signal.reason instanceof Error ? signal.reason.message : 'the fetch was aborted';
}

/**
 * Gives what the fetch wrote to the task's user: the output file (or its
 * first directory) and, after an extraction, every entry of the sandbox
 * not yet owned by the user (the archive's members).
 */
async function chownTree(path: string, uid: number, gid: number, extractedInto: string | undefined): Promise<void> {
  const walk = async (p: string): Promise<void> => {
    // lstat: a symlink an archive holds is neither followed nor given away.
    const s = await lstat(p).catch(() => undefined);
    if (!s || s.isSymbolicLink()) return;
    if (s.uid !== uid || s.gid !== gid) await chown(p, uid, gid);
    if (s.isDirectory()) for (const n of await readdir(p)) await walk(join(p, n));
  };
  await walk(path);
  if (extractedInto) for (const n of await readdir(extractedInto)) await walk(join(extractedInto, n));
}
