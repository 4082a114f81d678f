/**
 * Starting an agent with one call: a WebSocket runtime on --ip/--port, the
 * containerizer, and the agent actor spawned as `slave(1)` (Mesos's name),
 * its endpoints also served at the top level (/state, /files/..., ...).
 *
 *   const agent = await startAgent({ master: '127.0.0.1:5050', work_dir: '/var/lib/mesos-ts' });
 *   ...
 *   await agent.stop();
 */
import { mkdir, rm } from 'node:fs/promises';
import { LogVerbosity, PID, Random, Runtime, WsTransport, createLogger, osSeed, realClock, tlsFromEnv, keepaliveFromEnv, type AuthOptions, type TlsOptions } from 'libprocess-ts';
import { readCredentialsFile } from '../protocol/credentials.js';
import { AgentProcess, type AgentProtocol } from './agent.js';
import { trashDir } from './checkpoint.js';
import { Containerizer, consoleLogger, discoverGpus, GpuAllocator, type ContainerizerOptions, type Logger } from './containerizer/index.js';
import { agentGpus } from './gpu-flags.js';
import { containerLoggerOptions } from './logger-flags.js';
import { networkPortsOptions } from './ports-flags.js';
import { AgentFlagsError, agentAttributes, agentFlags, agentResources, parseResourcesFlag, runtimeDir, type AgentFlags, type AgentFlagsInput } from './flags.js';
import { TOP_LEVEL_ROUTES } from './http.js';
import { imageIsolation } from './provisioner/index.js';

export interface StartedAgent {
  readonly runtime: Runtime;
  readonly pid: PID<AgentProtocol>;
  readonly agent: AgentProcess;
  readonly flags: AgentFlags;
  /** Resolves when the agent process ends (shut down by the master, or stopped). */
  readonly terminated: Promise<string>;
  /** Stops the runtime and the containerizer's helper; running tasks keep running (they are recovered on the next start). */
  stop(): Promise<void>;
}

export interface StartAgentOptions {
  /** The agent's log (default: stderr at the runtime's verbosity, which SET_LOGGING_LEVEL and /logging/toggle change); the containerizer logs here too when given. */
  readonly logger?: Logger;
  /** The process id (default `slave(1)`). */
  readonly id?: string;
  /** Unsent bytes of an executor API event stream after which an executor that does not read is cut off (default 64 MiB). */
  readonly maxUnsentBytes?: number;
  /** Containerizer options beyond the flags (tests: the mountinfo text to probe cgroups against, OOM polling). */
  readonly containerizer?: Pick<ContainerizerOptions, 'mountinfo' | 'oomPollMs' | 'cgroupsRoot'>;
  /** The nvidia-smi program GPUs are listed with (default `nvidia-smi` on PATH; tests: a fake one). */
  readonly nvidiaSmi?: string;
  /** TLS on the agent's port (default: Mesos's LIBPROCESS_SSL_* environment). */
  readonly tls?: TlsOptions;
}

/**
 * The agent runtime's authentication from --credential (one credential, or
 * a list whose first entry is taken): it dials as that principal and accepts it (the master dials back as the principal the agent
 * authenticated as). Unauthenticated peers are still taken (its executors
 * carry no cluster secret); master messages over them are refused by the
 * agent. Without --credential: undefined, and a warning.
 */
export function agentAuth(credentialFile: string | undefined, warn: (m: string) => void, mutualTls = false): AuthOptions | undefined {
  if (credentialFile === undefined) {
    if (!mutualTls) warn('no --credential: this agent does not authenticate its connections, and takes master messages from whoever connects from the master\'s address');
    return undefined;
  }
  // One credential (Mesos's form); a list (the cluster's credentials file) gives its first, the cluster's own principal, as a master takes it.
  const [first] = readCredentialsFile(credentialFile);
  if (first === undefined) throw new Error(`--credential=${credentialFile}: the file holds no credential`);
  return { principal: first.principal, secret: first.secret, required: false };
}

export async function startAgent(input: AgentFlagsInput | AgentFlags, opts: StartAgentOptions = {}): Promise<StartedAgent> {
  const flags = agentFlags(input as AgentFlagsInput);
  const logging = new LogVerbosity();
  const logger = opts.logger ?? createLogger('agent', logging);
  await mkdir(flags.work_dir, { recursive: true });
  await rm(trashDir(flags.work_dir), { recursive: true, force: true }); // what a crash left half deleted
  const gpus = await agentGpus(flags, flags.resources !== undefined ? parseResourcesFlag(flags.resources, flags.default_role) : undefined, (flag, message) => new AgentFlagsError(flag, message), () => discoverGpus(opts.nvidiaSmi));
  const resources = await agentResources(flags, undefined, gpus.length);
  const attributes = agentAttributes(flags);
  const seed = flags.seed ?? osSeed();
  const images = imageIsolation(flags, realClock, (m) => logger.info(m));
  const cz = await Containerizer.create({
    metaDir: runtimeDir(flags),
    isolation: flags.isolation,
    strict: flags.strict,
    clock: realClock,
    logger: opts.logger ?? consoleLogger,
    launcher: flags.launcher,
    ...(flags.container_logger ? { containerLogger: containerLoggerOptions(flags)! } : {}),
    networkPorts: networkPortsOptions(flags, resources),
    ...(flags.isolation.split(',').includes('gpu/nvidia') ? { gpuAllocator: new GpuAllocator(gpus), nvidiaDevDir: flags.nvidia_dev_dir ?? '/dev' } : {}),
    ...images.options,
    ...opts.containerizer,
  });
  const imageGc = images.startGc();
  const tls = opts.tls ?? tlsFromEnv();
  const auth = agentAuth(flags.credential, (m) => logger.warn(m), tls?.requireCert === true);
  const transportOpts = {
    host: flags.ip,
    port: flags.port,
    clock: realClock,
    logger: { warn: (m: string) => logger.warn(m) },
    ...(flags.advertise_ip ? { advertiseHost: flags.advertise_ip } : {}),
    ...keepaliveFromEnv(),
    ...(auth !== undefined ? { auth } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...(opts.maxUnsentBytes !== undefined ? { maxUnsentBytes: opts.maxUnsentBytes } : {}),
  };
  const runtime = await new Runtime({ transport: new WsTransport(transportOpts), clock: realClock, name: 'agent', logging }).start();
  const agent = new AgentProcess({ flags, resources, attributes, containerizer: cz, random: new Random(seed), logger });
  const pid = runtime.spawn(agent, opts.id ?? 'slave(1)') as PID<AgentProtocol>;
  for (const path of TOP_LEVEL_ROUTES) runtime.http.alias(path, `/${pid.id}${path}`);
  const stop = async (): Promise<void> => {
    await runtime.stop();
    cz.close();
    imageGc?.stop();
  };
  try {
    await agent.ready;
  } catch (e) {
    await stop();
    throw e;
  }
  return { runtime, pid, agent, flags, terminated: agent.terminated, stop };
}
