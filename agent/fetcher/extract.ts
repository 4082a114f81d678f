/**
 * Extracts an artifact into the sandbox with the system's tools, as Mesos's
 * fetcher does: GNU tar (compression detected by tar: gzip, bzip2, xz),
 * unzip, gzip. tar keeps members inside the directory (it drops a leading
 * `/` and skips members with `..`) and, as root, does not take the archive's
 * owners; unzip likewise strips `../`.
 */
import { execFile, spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ArchiveKind } from './uri.js';

function run(cmd: string, args: string[], signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { signal, maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(`${cmd} is not installed on this agent (Debian: apt-get install ${cmd}, or make fetcher-tools)`));
      const why = String(stderr).trim().split('\n').slice(-3).join('; ');
      reject(new Error(`${cmd} failed${why ? `: ${why}` : `: ${err.message}`}`));
    });
  });
}

/** Extracts the archive `file` (an absolute path) into the folder holding it. */
export async function extract(kind: ArchiveKind, file: string, signal: AbortSignal): Promise<void> {
  const dir = dirname(file);
  if (kind === 'tar') return run('tar', ['-C', dir, '--no-same-owner', '-xf', file], signal);
  if (kind === 'zip') return run('unzip', ['-o', '-q', '-d', dir, file], signal);
  const out = join(dir, file.replace(/^.*\//, '').replace(/\.gz$/i, ''));
  const fh = await open(out, 'w', 0o644);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('gzip', ['-dc', file], { signal, stdio: ['ignore', fh.fd, 'pipe'] });
      let err = '';
      child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`gzip failed: ${err.trim() || `exit ${code}`}`))));
    });
  } finally {
    await fh.close();
  }
}
