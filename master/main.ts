/**
 * Starting a master: the master process and its allocator process in one
 * runtime. `startMasterIn` works on any runtime (tests use the simulated
 * network); `startMaster` makes a WebSocket runtime on --ip/--port, and with
 * a replica set (`masters`, more than one, or `replicatedLog`) an HA master
 * (master/leader.ts): a replica of the log on files under
 * `<workDir>/replicated_log`, standby until its replica leads.
 */
import { join } from 'node:path';
import { LogVerbosity, PID, Random, Runtime, WsTransport, createLogger, osSeed, realClock, tlsFromEnv, keepaliveFromEnv, type AuthOptions, type Logger, type TlsOptions } from 'libprocess-ts';
import { credentialsMap, type Credential } from '../protocol/credentials.js';
import { newMasterId } from '../protocol/ids.js';
import { AllocatorProcess } from './allocator/process.js';
import type { AllocatorToMaster } from './allocator/protocol.js';
import { masterFlags, type MasterFlags } from './flags.js';
import { HaMaster } from './leader.js';
import { MASTER_LOG_FILE, openLogFile, teeLogger } from './log-file.js';
import { FileStorage } from './log/storage.js';
import type { Timing } from './log/types.js';
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
  const allocator = new AllocatorProcess({ master: masterPid as unknown as PID<AllocatorToMaster>, allocationIntervalMs: flags.allocationIntervalMs, filterGpuResources: flags.filterGpuResources, allocateOnRecovery: flags.allocateOnRecovery, fairnessExcludeResourceNames: flags.fairSharingExcludedResourceNames });
  const allocatorPid = runtime.spawn(allocator, 'allocator');
  const random = new Random(options.seed ?? osSeed());
  const master = new MasterProcess({ flags, masterId: options.masterId ?? newMasterId(randomFloat(random)), allocator: allocatorPid, random, allocatorMetrics: () => allocator.mesosMetrics() });
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
  /**
   * The replica set: `host:port` of every master, this one's included (Mesos
   * --masters has no equivalent: it used ZooKeeper). More than one entry
   * starts a master with high availability.
   */
  readonly masters?: readonly string[];
  /** Replicas that make a quorum (default: a majority of `masters`). */
  readonly quorum?: number;
  /** Where the replicated log lives (`<workDir>/replicated_log`); required with high availability. */
  readonly workDir?: string;
  /** Keep the registry in a replicated log even with a single master (its state survives a restart). */
  readonly replicatedLog?: boolean;
  /** How long recovered agents have to re-register after a failover (ms, default 10 min). */
  readonly reregisterTimeoutMs?: number;
  /** Election timing of the log (tests). */
  readonly timing?: Partial<Timing>;
  /**
   * Principals and secrets this master accepts on the actor path (Mesos
   * --credentials): agents, frameworks' runtimes, the other masters. Without
   * them connections are unauthenticated (a warning says so).
   */
  readonly credentials?: readonly Credential[];
  /**
   * This master's own identity, which it dials other runtimes as (--credential);
   * default: the first entry of `credentials` (the cluster's own principal,
   * as `mesos-ts local` writes it). The other masters of a replica set must
   * accept it: log traffic is taken only from it.
   */
  readonly credential?: Credential;
  /** TLS on the master's port (default: Mesos's LIBPROCESS_SSL_* environment, tls.ts). */
  readonly tls?: TlsOptions;
  /** Unsent bytes of an event stream (scheduler API, operator SUBSCRIBE) after which a client that does not read is cut off (default 64 MiB). */
  readonly maxUnsentBytes?: number;
}

/**
 * The actor-path authentication of a master or agent runtime from its
 * credentials; undefined (and a warning) without any. Unauthenticated
 * connections are still taken (`required: false`): HTTP-only tools, and
 * frameworks when --authenticate_frameworks is off, need none. What needs a
 * principal (an agent's registration, log traffic) is checked by the process.
 */
export function masterAuth(own: Credential | undefined, accepted: readonly Credential[] | undefined, warn: (m: string) => void, mutualTls = false): AuthOptions | undefined {
  const identity = own ?? accepted?.[0];
  if (identity === undefined) {
    // Under mutual TLS the certificates authenticate the connections.
    if (!mutualTls) warn('no --credentials: connections to this master are NOT authenticated; any process that can reach its port can claim to be an agent or another master');
    return undefined;
  }
  return { principal: identity.principal, secret: identity.secret, secrets: credentialsMap([...(accepted ?? []), identity]), required: false };
}

/**
 * Node flags a master process should run with. A master keeps many young
 * objects alive across a scavenge (offers, messages in flight); with V8's
 * default 16 MB semi-spaces, at 10k agents scavenges ran every ~200 ms for
 * 15-60 ms each. 64 MB semi-spaces cut the offer benchmark's p99 latency from
 * 150-330 ms to ~45 ms and the master's CPU by a fifth (see benchmarks/README.md).
 * `mesos-ts local` and the benchmarks start masters with them; elsewhere give
 * them as NODE_OPTIONS.
 */
export const MASTER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** A master listening on ip:port. `master` is the leading MasterProcess (undefined while an HA master does not lead). */
export interface MasterServer {
  readonly runtime: Runtime;
  readonly url: string;
  /** `master@host:port`: the same whether it leads or not. */
  readonly pid: PID<MasterProtocol>;
  /** The HA runtime, when started with a replica set. */
  readonly ha: HaMaster | undefined;
  stop(): Promise<void>;
}

/** `host:port` (or `master@host:port`, `log@host:port`) → `host:port`; throws naming the bad entry. */
export function masterAddress(text: string): string {
  const t = text.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '').replace(/^[^@]*@/, '');
  const m = /^([^:\s]+):(\d+)$/.exec(t);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new Error(`masters: '${text}' is not HOST:PORT with a port in 1..65535`);
  return t;
}

/** A master listening for real on ip:port (HTTP and libprocess messages on the same port). */
export async function startMaster(options: MasterServerOptions & { masters?: undefined; replicatedLog?: false | undefined }): Promise<StartedMaster & MasterServer>;
export async function startMaster(options: MasterServerOptions): Promise<MasterServer & { readonly master: MasterProcess | undefined }>;
export async function startMaster(options: MasterServerOptions): Promise<MasterServer & { readonly master: MasterProcess | undefined }> {
  const masters = (options.masters ?? []).map(masterAddress);
  const ha = masters.length > 1 || options.replicatedLog === true;
  if (ha) checkReplicaSet(options, masters);
  const warn = (m: string): void => (options.logger ?? console).warn(m);
  const tls = options.tls ?? tlsFromEnv();
  const auth = masterAuth(options.credential, options.credentials, warn, tls?.requireCert === true);
  // --log_dir: every line also in <log_dir>/mesos-master.INFO, at the verbosity SET_LOGGING_LEVEL changes.
  const logging = new LogVerbosity();
  const logFile = options.flags?.logDir !== undefined ? openLogFile(options.flags.logDir, MASTER_LOG_FILE) : undefined;
  const runtimeLogger = logFile === undefined ? options.logger : teeLogger(options.logger ?? createLogger('master', logging), createLogger('master', logging, logFile.sink));
  const transport = new WsTransport({
    ...(auth !== undefined ? { auth } : {}),
    ...(tls !== undefined ? { tls } : {}),
    host: options.ip,
    port: options.port,
    clock: realClock,
    ...(options.advertiseIp ? { advertiseHost: options.advertiseIp } : {}),
    ...keepaliveFromEnv(),
    ...(options.maxUnsentBytes !== undefined ? { maxUnsentBytes: options.maxUnsentBytes } : {}),
    ...(options.logger !== undefined ? { logger: { warn: (m: string) => options.logger!.warn(m) } } : {}),
    // A restarted peer master must hear the leader before its election timeout (1 s), not after a 5 s redial backoff.
    ...(ha ? { backoffMaxMs: PEER_REDIAL_MAX_MS } : {}),
  });
  // With a replica: a burst of slow events (a thousand agents re-registering) must not hold back its heartbeats.
  const runtime = await new Runtime({ transport, clock: realClock, name: 'master', logging, ...(runtimeLogger ? { logger: runtimeLogger } : {}), ...(ha ? { maxDrainMs: MAX_DRAIN_MS } : {}) }).start().catch((err: unknown) => {
    logFile?.close();
    throw err;
  });
  const flags = { hostname: options.advertiseIp ?? options.ip, ...(masters.length > 1 ? { masters } : {}), ...options.flags };
  const url = `http://${runtime.address}`;
  const stop = async (): Promise<void> => {
    await runtime.stop();
    logFile?.close();
  };
  if (!ha) return { ...startMasterIn(runtime, { flags }), runtime, url, ha: undefined, stop };
  const replicas = (masters.length > 0 ? masters : [runtime.address]).map((a) => `log@${a}`);
  if (!replicas.includes(`log@${runtime.address}`)) {
    await runtime.stop();
    throw new Error(`masters: the list (${masters.join(',')}) must include this master's own address ${runtime.address} (give --advertise_ip when --ip is 0.0.0.0)`);
  }
  const logger = runtime.logger;
  const server = new HaMaster(runtime, {
    ...(auth !== undefined ? { replicaPrincipals: [auth.principal] } : {}),
    storage: new FileStorage(join(options.workDir!, 'replicated_log'), { logger }),
    replicas,
    flags,
    logger,
    ...(options.quorum !== undefined ? { quorum: options.quorum } : {}),
    ...(options.reregisterTimeoutMs !== undefined ? { reregisterTimeoutMs: options.reregisterTimeoutMs } : {}),
    timing: { ...HA_MASTER_TIMING, ...options.timing },
    // Group commit: registry writes read from the sockets in one turn of the event loop share one fsync.
    batchAppends: (flush) => setImmediate(flush),
  });
  const stopHa = async (): Promise<void> => {
    // A leader hands its leadership over before it goes (the others need not wait out an election timeout).
    await server.handOver();
    await stop();
  };
  return {
    runtime,
    url,
    pid: PID.parse<MasterProtocol>(`master@${runtime.address}`),
    ha: server,
    get master() {
      return server.master;
    },
    stop: stopHa,
  };
}

/**
 * Election timing of the masters' log. Wider than the log's own defaults
 * (300-600 ms, lease 250 ms): a master's event loop also admits agents,
 * answers frameworks and fsyncs the registry, and a new leader rebuilds its
 * books from the registry in one go; with 1,000 agents, 200 frameworks and
 * 2,000 tasks on this 2-core machine, loops stalled 0.5-1.5 s and leaders
 * were deposed one after the other at 500-1000 ms (bench-failover).
 */
export const HA_MASTER_TIMING: Partial<Timing> = { tickMs: 10, heartbeatMs: 100, electionMinMs: 1000, electionMaxMs: 2000, leaseMs: 900 };

/** Longest wait before an HA master dials a peer again after failures (libprocess-ts default: 5 s). */
export const PEER_REDIAL_MAX_MS = 400;

/** Real time an HA master's runtime serves events before it lets timers and I/O in (see RuntimeOptions.maxDrainMs). */
export const MAX_DRAIN_MS = 20;

function checkReplicaSet(options: MasterServerOptions, masters: readonly string[]): void {
  if (options.workDir === undefined || options.workDir === '') throw new Error('work_dir: a master with a replicated log (--masters with more than one entry) needs --work_dir for it');
  if (new Set(masters).size !== masters.length) throw new Error(`masters: ${masters.join(',')} names a master twice`);
  if (masters.length > 0 && options.port === 0) throw new Error('port: a master of a replica set needs a fixed --port (its address is in --masters)');
  const n = Math.max(masters.length, 1);
  if (options.quorum !== undefined && !(Number.isInteger(options.quorum) && options.quorum > n / 2 && options.quorum <= n)) {
    throw new Error(`quorum: ${String(options.quorum)} for ${n} master(s) must be an integer above ${n / 2} and at most ${n}`);
  }
}

function randomFloat(random: Random): () => number {
  return () => random.float();
}
