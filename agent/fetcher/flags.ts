/**
 * The fetcher's flags, Mesos's names (src/slave/flags.cpp):
 * `--fetcher_cache_dir` (default `<work_dir>/fetch`: Mesos's is
 * /tmp/mesos/fetch, which two agents on one machine would share and wipe)
 * and `--fetcher_cache_size` (Mesos's Bytes form, default 2GB); and
 * `--fetcher_max_extracted_size` (default 10GB), how far one archive may expand.
 */
import { join } from 'node:path';

export interface FetcherFlags {
  readonly fetcher_cache_dir?: string;
  /** Bytes. */
  readonly fetcher_cache_size?: number;
  /** Bytes one archive may expand to (not a Mesos flag: Mesos has no bound). */
  readonly fetcher_max_extracted_size?: number;
}

export const FETCHER_FLAG_NAMES = ['fetcher_cache_dir', 'fetcher_cache_size', 'fetcher_max_extracted_size'] as const;

export const DEFAULT_FETCHER_CACHE_SIZE = 2 * 1024 ** 3;
export const DEFAULT_FETCHER_MAX_EXTRACTED_SIZE = 10 * 1024 ** 3;

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** Mesos's Bytes text (`2GB`, `512MB`, `100B`, a bare number of bytes) → bytes; undefined when malformed. */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?$/i.exec(text.trim());
  if (m === null) return undefined;
  const n = Number(m[1]) * UNITS[(m[2] ?? 'B').toUpperCase()]!;
  return Number.isSafeInteger(Math.floor(n)) ? Math.floor(n) : undefined;
}

type Fail = (flag: string, message: string) => Error;

export function fetcherFlags(input: Record<string, unknown>, fail: Fail): FetcherFlags {
  const out: { -readonly [K in keyof FetcherFlags]: FetcherFlags[K] } = {};
  if (input.fetcher_cache_dir !== undefined) {
    const dir = String(input.fetcher_cache_dir).trim();
    if (!dir.startsWith('/')) throw fail('fetcher_cache_dir', `--fetcher_cache_dir=${dir}: expected an absolute directory path`);
    out.fetcher_cache_dir = dir;
  }
  if (input.fetcher_cache_size !== undefined) {
    const raw = input.fetcher_cache_size;
    const bytes = typeof raw === 'number' ? raw : parseBytes(String(raw));
    if (bytes === undefined || !Number.isSafeInteger(bytes) || bytes < 0) {
      throw fail('fetcher_cache_size', `--fetcher_cache_size=${String(raw)}: expected a size such as 2GB, 512MB or 1048576B`);
    }
    out.fetcher_cache_size = bytes;
  }
  if (input.fetcher_max_extracted_size !== undefined) {
    const raw = input.fetcher_max_extracted_size;
    const bytes = typeof raw === 'number' ? raw : parseBytes(String(raw));
    if (bytes === undefined || !Number.isSafeInteger(bytes) || bytes <= 0) {
      throw fail('fetcher_max_extracted_size', `--fetcher_max_extracted_size=${String(raw)}: expected a size such as 10GB, 512MB or 1048576B`);
    }
    out.fetcher_max_extracted_size = bytes;
  }
  return out;
}

/** The cache directory and size the agent uses. */
export function fetcherCacheConfig(flags: FetcherFlags & { readonly work_dir: string }): { dir: string; sizeBytes: number; maxExtractedBytes: number } {
  return {
    dir: flags.fetcher_cache_dir ?? join(flags.work_dir, 'fetch'),
    sizeBytes: flags.fetcher_cache_size ?? DEFAULT_FETCHER_CACHE_SIZE,
    maxExtractedBytes: flags.fetcher_max_extracted_size ?? DEFAULT_FETCHER_MAX_EXTRACTED_SIZE,
  };
}
