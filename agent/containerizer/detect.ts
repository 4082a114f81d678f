/**
 * Resource auto-detection, as the Mesos agent does when --resources does not
 * say (src/slave/containerizer/containerizer.cpp, Containerizer::resources):
 *   cpus   the number of CPUs
 *   mem    total less 1 GB, or half of it when total < 2 GB
 *   disk   the work dir's filesystem less 5 GB, or half of it when < 10 GB
 *   ports  [31000-32000]
 * (GPUs are the gpu/nvidia isolator's: agent/gpu-flags.ts.)
 * Returned as a resource text ('cpus:2;mem:23081;disk:...;ports:[31000-32000]')
 * that protocol's Resources.parse reads; mem and disk in MB.
 */
import { statfs } from 'node:fs/promises';
import os from 'node:os';

const MB = 1024 * 1024;
const GB = 1024 * MB;

export interface DetectedResources {
  cpus: number;
  memMb: number;
  diskMb: number;
  ports: [number, number];
  /** The resource text. */
  text: string;
}

export function memoryAfterHeadroom(totalBytes: number): number {
  return totalBytes >= 2 * GB ? totalBytes - GB : totalBytes / 2;
}

export function diskAfterHeadroom(totalBytes: number): number {
  return totalBytes >= 10 * GB ? totalBytes - 5 * GB : totalBytes / 2;
}

export interface DetectOptions {
  /** Injected for tests. */
  totalMemBytes?: number;
  cpus?: number;
}

export async function detectResources(workDir: string, opts: DetectOptions = {}): Promise<DetectedResources> {
  const cpus = opts.cpus ?? os.cpus().length;
  const memMb = Math.floor(memoryAfterHeadroom(opts.totalMemBytes ?? os.totalmem()) / MB);
  const fsInfo = await statfs(workDir);
  const diskMb = Math.floor(diskAfterHeadroom(fsInfo.blocks * fsInfo.bsize) / MB);
  const ports: [number, number] = [31000, 32000];
  const text = `cpus:${cpus};mem:${memMb};disk:${diskMb};ports:[${ports[0]}-${ports[1]}]`;
  return { cpus, memMb, diskMb, ports, text };
}
