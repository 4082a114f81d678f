/**
 * Starting a master: the master process and its allocator process in one
 * runtime. `startMasterIn` works on any runtime (tests use the simulated
 * network); `startMaster` makes a WebSocket runtime on --ip/--port.
 */
import { PID, Random, Runtime, WsTransport, osSeed, realClock, type Logger } from 'libprocess-ts';
import { newMasterId } from '../protocol/ids.js';
import { AllocatorProcess } from './allocator/process.js';
import type { AllocatorToMaster } from './allocator/protocol.js';
import { masterFlags, type MasterFlags } from './flags.js';
import { MasterProcess, type MasterProtocol } from './master.js';

export interface StartedMaster {
  readonly master: MasterProcess;
  readonly pid: PID<MasterProtocol>;
  readonly allocator: AllocatorProcess;
}

/** Spawns `allocator` and `master` (Mesos's process ids) in `runtime`. */
export function startMasterIn(runtime: Runtime, options: { flags?: Partial<MasterFlags>; masterId?: string; seed?: number }): StartedMaster {
  const flags = masterFlags(options.flags);
  const masterPid = PID.parse<MasterProtocol>(`master@${runtime.address}`);
  const allocator = new AllocatorProcess({ master: masterPid as unknown as PID<AllocatorToMaster>, allocationIntervalMs: flags.allocationIntervalMs });
  const allocatorPid = runtime.spawn(allocator, 'allocator');
  const random = new Random(options.seed ?? osSeed());
  const master = new MasterProcess({ flags, masterId: options.masterId ?? newMasterId(randomFloat(random)), allocator: allocatorPid, random });
  const pid = runtime.spawn(master, 'master');
  return { master, pid, allocator };
}

export interface MasterServerOptions {
  readonly ip: string;
  readonly port: number;
  /** Address peers should dial when `ip` is 0.0.0.0. */
  readonly advertiseIp?: string;
  readonly flags?: Partial<MasterFlags>;
  readonly logger?: Logger;
}

/** A master listening for real on ip:port (HTTP and libprocess messages on the same port). */
export async function startMaster(options: MasterServerOptions): Promise<StartedMaster & { runtime: Runtime; url: string; stop(): Promise<void> }> {
  const transport = new WsTransport({ host: options.ip, port: options.port, clock: realClock, ...(options.advertiseIp ? { advertiseHost: options.advertiseIp } : {}) });
  const runtime = await new Runtime({ transport, clock: realClock, name: 'master', ...(options.logger ? { logger: options.logger } : {}) }).start();
  const started = startMasterIn(runtime, { flags: { hostname: options.advertiseIp ?? options.ip, ...options.flags } });
  return { ...started, runtime, url: `http://${runtime.address}`, stop: () => runtime.stop() };
}

function randomFloat(random: Random): () => number {
  return () => random.float();
}
