/**
 * Extracts an artifact into the sandbox with the system's tools, as Mesos's
 * fetcher does: GNU tar (compression detected by tar: gzip, bzip2, xz),
 * unzip, gzip. tar keeps members inside the directory (it drops a leading
 * `/` and skips members with `..`) and, as root, does not take the archive's
 * owners; unzip likewise strips `../`.
 *
 * How far an archive may expand is bounded (`--fetcher_max_extracted_size`;
 * Mesos has no bound, so a small archive could fill the agent's disk):
 * - tar: the members' sizes are summed from `tar -tv` before anything is
 *   written (tar writes each member's size as its header says);
 * - zip: the sizes the archive declares (`unzip -Zt`) are checked first, and
 *   unzip runs under RLIMIT_FSIZE at the bound, so no member written can pass
 *   it whatever its header claims;
 * - gz: the decompressed bytes are counted as they are written, and gzip is
 *   stopped at the bound.
 */
import { execFile, spawn } from 'node:child_process';
import { open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ArchiveKind } from './uri.js';

export class ExtractLimitError extends Error {}

function run(cmd: string, args: string[], signal: AbortSignal, onStdout?: (chunk: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { signal, maxBuffer: onStdout ? Infinity : 1 << 20 }, (err, stdout, stderr) => {
      // The limit first: a tool that had already exited when its output passed the limit is not an error of its own.
      if (limitHit) return reject(limitHit);
      if (!err) return resolve(String(stdout));
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(`${cmd} is not installed on this agent (Debian: apt-get install ${cmd}, or make fetcher-tools)`));
      const signalled = (err as { signal?: string | null }).signal;
      if (signalled) return reject(new Error(`${cmd} was killed by ${signalled}`));
      const why = String(stderr).trim().split('\n').slice(-3).join('; ');
      reject(new Error(`${cmd} failed${why ? `: ${why}` : `: ${err.message}`}`));
    });
    let limitHit: Error | undefined;
    if (onStdout) {
      child.stdout?.on('data', (d: Buffer) => {
        try {
          onStdout(d.toString());
        } catch (e) {
          limitHit = e as Error;
          child.kill('SIGKILL');
        }
      });
    }
  });
}

/** `1.5GB`-style text for messages. */
export function sizeText(n: number): string {
  for (const [unit, f] of [['GB', 1024 ** 3], ['MB', 1024 ** 2], ['KB', 1024]] as const) if (n >= f) return `${Math.round((n / f) * 10) / 10}${unit}`;
  return `${n}B`;
}

function tooBig(total: number | undefined, limit: number): ExtractLimitError {
  return new ExtractLimitError(
    `the archive expands to ${total === undefined ? 'more than' : sizeText(total) + ', more than'} the agent's --fetcher_max_extracted_size=${sizeText(limit)}`,
  );
}

/** Sums the member sizes of a `tar -tv` listing as it streams, throwing past `limit`. */
export function tarSizeCounter(limit: number): { feed(chunk: string): void; total(): number } {
  let total = 0;
  let rest = '';
  const line = (l: string): void => {
    // mode owner/group size date time name: the third field is the size (major,minor for devices).
    const size = l.trim().split(/\s+/)[2];
    if (size !== undefined && /^\d+$/.test(size)) total += Number(size);
    if (total > limit) throw tooBig(total, limit);
  };
  return {
    feed(chunk: string): void {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const l of lines) line(l);
    },
    total(): number {
      if (rest !== '') line(rest);
      rest = '';
      if (total > limit) throw tooBig(total, limit);
      return total;
    },
  };
}

/** Extracts the archive `file` (an absolute path) into the folder holding it, at most `limit` bytes. */
export async function extract(kind: ArchiveKind, file: string, signal: AbortSignal, limit: number): Promise<void> {
  const dir = dirname(file);
  if (kind === 'tar') {
    const counter = tarSizeCounter(limit);
    await run('tar', ['-tvf', file], signal, (c) => counter.feed(c));
    counter.total();
    await run('tar', ['-C', dir, '--no-same-owner', '-xf', file], signal);
    return;
  }
  if (kind === 'zip') {
    const summary = await run('unzip', ['-Zt', file], signal);
    const declared = /(\d+) bytes uncompressed/.exec(summary);
    if (declared && Number(declared[1]) > limit) throw tooBig(Number(declared[1]), limit);
    try {
      await run('prlimit', [`--fsize=${limit}`, '--', 'unzip', '-o', '-q', '-d', dir, file], signal);
    } catch (e) {
      // SIGXFSZ: a member wrote past the bound its header hid.
      if (/File size limit exceeded|SIGXFSZ|write error/i.test((e as Error).message)) throw tooBig(undefined, limit);
      throw e;
    }
    return;
  }
  const out = join(dir, file.replace(/^.*\//, '').replace(/\.gz$/i, ''));
  const fh = await open(out, 'w', 0o644);
  let written = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('gzip', ['-dc', file], { signal, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      let failed: Error | undefined;
      let writing = Promise.resolve();
      child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
      child.stdout?.on('data', (d: Buffer) => {
        if (failed) return;
        written += d.length;
        if (written > limit) {
          failed = tooBig(undefined, limit);
          child.kill('SIGKILL');
          return;
        }
        child.stdout!.pause();
        writing = writing.then(() => fh.write(d)).then(() => void child.stdout!.resume(), (e: Error) => {
          failed = e;
          child.kill('SIGKILL');
        });
      });
      child.on('error', reject);
      child.on('close', (code) => {
        void writing.then(() => {
          if (failed) return reject(failed);
          if (code === 0) return resolve();
          reject(new Error(`gzip failed: ${err.trim() || `exit ${code}`}`));
        });
      });
    });
  } catch (e) {
    if (e instanceof ExtractLimitError) await rm(out, { force: true });
    throw e;
  } finally {
    await fh.close();
  }
}
