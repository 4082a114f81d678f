/**
 * Resource auto-detection, as the Mesos agent does when --resources does not
 * say (src/slave/containerizer/containerizer.cpp, Containerizer::resources):
 *   cpus   the number of CPUs
 *   mem    total less 1 GB, or half of it when total < 2 GB
 *   disk   the work dir's filesystem less 5 GB, or half of it when < 10 GB
 *   ports  [31000-32000]
 *   gpus   from nvidia-smi when it is present (else none, without error)
 * Returned as a resource text ('cpus:2;mem:23081;disk:...;ports:[31000-32000]')
 * that protocol's Resources.parse reads; mem and disk in MB.
 */
import { execFile } from 'node:child_process';
import { statfs } from 'node:fs/promises';
import os from 'node:os';

const MB = 1024 * 1024;
const GB = 1024 * MB;

export interface DetectedResources {
  cpus: number;
  memMb: number;
  diskMb: number;
  ports: [number, number];
  gpus: number;
  /** The resource text. */
  text: string;
}

export function memoryAfterHeadroom(totalBytes: number): number {
  return totalBytes >= 2 * GB ? totalBytes - GB : totalBytes / 2;
}

export function diskAfterHeadroom(totalBytes: number): number {
  return totalBytes >= 10 * GB ? totalBytes - 5 * GB : totalBytes / 2;
}

/** GPU count from `nvidia-smi --query-gpu=index --format=csv,noheader`; 0 when absent or failing. */
export function detectGpus(nvidiaSmi = 'nvidia-smi'): Promise<number> {
  return new Promise((resolve) => {
    execFile(nvidiaSmi, ['--query-gpu=index', '--format=csv,noheader'], { encoding: 'utf8', timeout: 10_000 }, (err, stdout) => {
      if (err) return resolve(0);
      resolve(stdout.split('\n').filter((l) => /^\s*\d+\s*$/.test(l)).length);
    });
  });
}

export interface DetectOptions {
  /** Injected for tests. */
  totalMemBytes?: number;
  cpus?: number;
  nvidiaSmi?: string;
}

export async function detectResources(workDir: string, opts: DetectOptions = {}): Promise<DetectedResources> {
  const cpus = opts.cpus ?? os.cpus().length;
  const memMb = Math.floor(memoryAfterHeadroom(opts.totalMemBytes ?? os.totalmem()) / MB);
  const fsInfo = await statfs(workDir);
  const diskMb = Math.floor(diskAfterHeadroom(fsInfo.blocks * fsInfo.bsize) / MB);
  const gpus = await detectGpus(opts.nvidiaSmi);
  const ports: [number, number] = [31000, 32000];
  let text = `cpus:${cpus};mem:${memMb};disk:${diskMb};ports:[${ports[0]}-${ports[1]}]`;
  if (gpus > 0) text += `;gpus:${gpus}`;
  return { cpus, memMb, diskMb, ports, gpus, text };
}
