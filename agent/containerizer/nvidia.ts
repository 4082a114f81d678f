/**
 * NVIDIA GPUs on the host and the agent's share of them (Mesos's
 * NvidiaGpuAllocator): each GPU is known by its index (what nvidia-smi and
 * CUDA_VISIBLE_DEVICES call it) and its device minor number (its node is
 * /dev/nvidia<minor>, character major 195). The allocator hands whole GPUs
 * out of its free set, lowest index first, and takes them back.
 *
 * Discovery asks `nvidia-smi --query-gpu=index,minor_number --format=csv,noheader`
 * (Mesos asks NVML; nvidia-smi is NVML's command-line face).
 */
import { execFile } from 'node:child_process';

export const NVIDIA_MAJOR = 195;

export interface GpuDevice {
  index: number;
  minor: number;
}

/** Lines `0, 0` → devices; a line that is not two integers is an error naming it. */
export function parseGpuQuery(text: string): GpuDevice[] {
  const out: GpuDevice[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0)) {
    const m = /^(\d+)\s*,\s*(\d+)$/.exec(line);
    if (!m) throw new Error(`unexpected line '${line}' (expected 'index, minor_number')`);
    out.push({ index: Number(m[1]), minor: Number(m[2]) });
  }
  return out;
}

/**
 * The host's GPUs by nvidia-smi: [] when there is no nvidia-smi (no NVIDIA
 * driver); an Error naming the failure when it is there but fails (a driver
 * that does not answer must not look like a host without GPUs).
 */
export function discoverGpus(nvidiaSmi = 'nvidia-smi'): Promise<GpuDevice[]> {
  return new Promise((resolve, reject) => {
    execFile(nvidiaSmi, ['--query-gpu=index,minor_number', '--format=csv,noheader'], { encoding: 'utf8', timeout: 10_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return resolve([]);
      if (err) return reject(new Error(`${nvidiaSmi} failed: ${(stderr || err.message).trim()}`));
      try {
        resolve(parseGpuQuery(stdout));
      } catch (e) {
        reject(new Error(`${nvidiaSmi}: ${(e as Error).message}`));
      }
    });
  });
}

/** The agent's GPUs and which are in use (Mesos's NvidiaGpuAllocator). */
export class GpuAllocator {
  private readonly free: Set<number>;
  private readonly byIndex: Map<number, GpuDevice>;

  constructor(readonly gpus: readonly GpuDevice[]) {
    this.byIndex = new Map(gpus.map((g) => [g.index, g]));
    this.free = new Set(this.byIndex.keys());
  }

  /** The free indices, ascending. */
  available(): number[] {
    return [...this.free].sort((a, b) => a - b);
  }

  /** `count` whole GPUs, lowest indices first; throws naming the shortfall. */
  allocate(count: number): GpuDevice[] {
    if (!Number.isInteger(count) || count < 0) throw new Error(`'gpus' must be a whole number of GPUs, not ${count}`);
    const free = this.available();
    if (free.length < count) throw new Error(`Requested ${count} GPU(s) but only ${free.length} of ${this.gpus.length} are free${free.length > 0 ? ` (${free.join(',')})` : ''}`);
    const taken = free.slice(0, count);
    for (const i of taken) this.free.delete(i);
    return taken.map((i) => this.byIndex.get(i)!);
  }

  /** Takes these indices again (a container recovered after an agent restart); throws naming any unknown or already taken. */
  claim(indices: readonly number[]): GpuDevice[] {
    const bad = indices.filter((i) => !this.free.has(i));
    if (bad.length > 0) throw new Error(`GPU(s) ${bad.join(',')} ${bad.every((i) => this.byIndex.has(i)) ? 'are already in use' : 'are not among this agent\'s GPUs'}`);
    for (const i of indices) this.free.delete(i);
    return indices.map((i) => this.byIndex.get(i)!);
  }

  release(indices: readonly number[]): void {
    for (const i of indices) if (this.byIndex.has(i)) this.free.add(i);
  }
}
