/**
 * The agent's flags, with Mesos's names and defaults (src/slave/flags.cpp).
 * Durations are milliseconds here; given as text they take Mesos's forms
 * (`1secs`, `500ms`, `1mins`, `1weeks`). Every bad value throws an
 * AgentFlagsError naming the flag.
 */
import { parseAcls, type Acls } from '../protocol/auth/acls.js';
import { parseAttributes } from '../protocol/attributes.js';
import { readCredentialsFile } from '../protocol/credentials.js';
import { DURATION_EXAMPLES, formatDuration, parseDurationMs } from '../protocol/durations.js';
import { Resources } from '../protocol/resources.js';
import { roleError } from '../protocol/roles.js';
import { diskSource, diskSourcesError } from '../protocol/disk-sources.js';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Attribute } from '../protocol/types.js';
import { detectResources } from './containerizer/index.js';
import { IMAGE_FLAG_NAMES, imageFlags, type ImageFlags } from './image-flags.js';
import { FETCHER_FLAG_NAMES, fetcherFlags, type FetcherFlags } from './fetcher/flags.js';
import { LOGGER_FLAG_NAMES, loggerFlags, type LoggerFlags } from './logger-flags.js';
import { PORTS_FLAG_NAMES, portsFlags, type PortsFlags } from './ports-flags.js';
import { GPU_FLAG_NAMES, gpuFlags, type GpuFlags } from './gpu-flags.js';

export interface AgentFlags extends ImageFlags, FetcherFlags, LoggerFlags, PortsFlags, GpuFlags {
  /** The master: `host:port` (its process is `master`) or a full PID `master@host:port`. */
  readonly master: string;
  /** Address the agent listens on (Mesos --ip, default 127.0.0.1 here). */
  readonly ip: string;
  /** Port (Mesos default 5051; 0 picks a free one). */
  readonly port: number;
  /** Host other processes should dial when `ip` is 0.0.0.0. */
  readonly advertise_ip?: string;
  readonly hostname: string;
  /** Sandboxes under `<work_dir>/slaves`, checkpoints under `<work_dir>/meta`. */
  readonly work_dir: string;
  /**
   * Mesos's --runtime_dir: what must outlive a crash of the agent but not a reboot (its containers' pids, exit
   * records, terminations; never fsync'ed). Default `<work_dir>/meta`; a tmpfs (e.g. /run/mesos-ts) saves the disk
   * an inode's creation and removal per task file.
   */
  readonly runtime_dir?: string;
  /** `--resources`, e.g. `cpus:2;mem:1024;ports:[31000-32000]` (what is absent is detected). */
  readonly resources?: string;
  /** `--default_role` (Mesos's, deprecated there): the role `--resources` items without one, and detected resources, are statically reserved to; unset or `*`: unreserved. */
  readonly default_role?: string;
  /** `--attributes`, e.g. `rack:r1;zone:a`. */
  readonly attributes?: string;
  /** Isolators, default `posix/cpu,posix/mem`. */
  readonly isolation: string;
  /** Containerizer launcher: `helper` (default: the mesos-ts-launcher process), `spawn` or `forkserver` (perl). */
  readonly launcher: 'helper' | 'spawn' | 'forkserver';
  /** `reconnect` (default): recover checkpointed executors; `cleanup`: kill them and start afresh. */
  readonly recover: 'reconnect' | 'cleanup';
  /** Refuse to start when a chosen isolator cannot work here, or a checkpoint cannot be read (default true). */
  readonly strict: boolean;
  /** First registration delay is random in [0, factor]; then doubling to 1 min (default 1 s). */
  readonly registration_backoff_factor: number;
  /** An executor that has not registered in this long is destroyed (default 1 min). */
  readonly executor_registration_timeout: number;
  /** Between `shutdown` to an executor and its destruction (default 5 s). */
  readonly executor_shutdown_grace_period: number;
  /** How long an executor waits for a restarted agent before exiting (default 15 min). */
  readonly recovery_timeout: number;
  /** Sandboxes of finished executors are removed this long after (default 1 week). */
  readonly gc_delay: number;
  /** Status update retry: first interval (Mesos 10 s) and the cap of the doubling (10 min). */
  readonly status_update_retry_interval_min: number;
  readonly status_update_retry_interval_max: number;
  /** fsync checkpoints (default true; tests may turn it off). */
  readonly fsync: boolean;
  /** Seed for the agent's randomness (jitter, uuids, container ids); default from the OS. */
  readonly seed?: number;
  /**
   * A file with this agent's principal and secret (Mesos --credential, one
   * `{"principal": ..., "secret": ...}`): its connections authenticate as it,
   * and it then takes master messages only over an authenticated connection.
   */
  readonly credential?: string;
  /** HTTP calls that change something need HTTP Basic credentials from `http_credentials` (Mesos --authenticate_http_readwrite). */
  readonly authenticate_http_readwrite: boolean;
  /** HTTP endpoints that only read (state, metrics, files, GET_*) need credentials (Mesos --authenticate_http_readonly). */
  readonly authenticate_http_readonly: boolean;
  /** A credentials file for HTTP Basic authentication (Mesos --http_credentials). */
  readonly http_credentials?: string;
  /** Who may do what here (Mesos --acls, JSON or a file): operators' nested containers. Undefined: everything allowed. */
  readonly acls?: Acls;
  /** Executors must present their token (MESOS_EXECUTOR_AUTHENTICATION_TOKEN) to the executor API and in registration (default true). */
  readonly authenticate_http_executors: boolean;
  /** A file holding the key executor tokens are signed with (Mesos --executor_secret_key); default: generated under work_dir. */
  readonly executor_secret_key?: string;
  /** Run tasks as their user (CommandInfo.user, else FrameworkInfo.user) when the agent runs as root (Mesos --switch_user, default true). */
  readonly switch_user: boolean;
}

export class AgentFlagsError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(message);
    this.name = 'AgentFlagsError';
  }
}

/** The agent's runtime dir (--runtime_dir, default `<work_dir>/meta`). */
export function runtimeDir(flags: Pick<AgentFlags, 'work_dir' | 'runtime_dir'>): string {
  return flags.runtime_dir ?? join(flags.work_dir, 'meta');
}

export const DEFAULT_AGENT_FLAGS: AgentFlags = {
  master: '127.0.0.1:5050',
  ip: '127.0.0.1',
  port: 5051,
  hostname: 'localhost',
  work_dir: '/tmp/mesos-ts',
  isolation: 'posix/cpu,posix/mem',
  launcher: 'helper',
  recover: 'reconnect',
  strict: true,
  registration_backoff_factor: 1000,
  executor_registration_timeout: 60_000,
  executor_shutdown_grace_period: 5000,
  recovery_timeout: 15 * 60_000,
  gc_delay: 7 * 24 * 3_600_000,
  status_update_retry_interval_min: 10_000,
  status_update_retry_interval_max: 600_000,
  fsync: true,
  authenticate_http_readwrite: false,
  authenticate_http_readonly: false,
  authenticate_http_executors: true,
  switch_user: true,
};

/** What callers may give: the flags, with durations, numbers and booleans also as text. */
export type AgentFlagsInput = { readonly [K in keyof AgentFlags]?: AgentFlags[K] | string };

/** Milliseconds in a Mesos duration (`15secs`); a number is taken as milliseconds. */
export function parseDuration(flag: string, value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new AgentFlagsError(flag, `--${flag}=${value}: expected a non-negative duration`);
    return value;
  }
  const ms = parseDurationMs(value);
  if (ms === undefined) throw new AgentFlagsError(flag, `--${flag}=${value}: expected a duration such as ${DURATION_EXAMPLES}`);
  return ms;
}

/** Mesos's text for a duration (`5secs`), for MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD and the like. */
export { formatDuration };

function parseBool(flag: string, v: string | boolean): boolean {
  if (typeof v === 'boolean') return v;
  if (/^(true|1|yes)$/i.test(v)) return true;
  if (/^(false|0|no)$/i.test(v)) return false;
  throw new AgentFlagsError(flag, `--${flag}=${v}: expected true or false`);
}

function parsePort(flag: string, v: string | number): number {
  const n = Number(v);
  if (!/^\d+$/.test(String(v)) || n > 65535) throw new AgentFlagsError(flag, `--${flag}=${v}: expected a port number from 0 to 65535`);
  return n;
}

const HOST = /^[A-Za-z0-9_.\-:\[\]]+$/;

/** Fills the defaults and checks every value; throws AgentFlagsError naming the bad flag. */
export function agentFlags(input: AgentFlagsInput = {}): AgentFlags {
  const known = new Set(Object.keys(DEFAULT_AGENT_FLAGS).concat(['resources', 'default_role', 'attributes', 'advertise_ip', 'runtime_dir', 'seed', 'credential', 'http_credentials', 'executor_secret_key', 'acls'], IMAGE_FLAG_NAMES, FETCHER_FLAG_NAMES, LOGGER_FLAG_NAMES, PORTS_FLAG_NAMES, GPU_FLAG_NAMES));
  for (const k of Object.keys(input)) {
    if (!known.has(k)) throw new AgentFlagsError(k, `unknown flag --${k}`);
  }
  const get = <K extends keyof AgentFlags>(k: K): AgentFlags[K] | string => (input[k] !== undefined ? input[k]! : DEFAULT_AGENT_FLAGS[k]) as AgentFlags[K] | string;

  const master = String(get('master'));
  masterPidTexts(master); // validates
  const ip = String(get('ip'));
  if (!HOST.test(ip)) throw new AgentFlagsError('ip', `--ip=${ip}: expected an IP address or host name`);
  const hostname = String(get('hostname'));
  if (!HOST.test(hostname)) throw new AgentFlagsError('hostname', `--hostname=${hostname}: expected a host name`);
  const work_dir = String(get('work_dir'));
  if (work_dir.trim() === '' || !work_dir.startsWith('/')) throw new AgentFlagsError('work_dir', `--work_dir=${work_dir}: expected an absolute directory path`);
  const recover = String(get('recover'));
  if (recover !== 'reconnect' && recover !== 'cleanup') throw new AgentFlagsError('recover', `--recover=${recover}: expected 'reconnect' or 'cleanup'`);
  const launcher = String(get('launcher'));
  if (launcher !== 'helper' && launcher !== 'spawn' && launcher !== 'forkserver') throw new AgentFlagsError('launcher', `--launcher=${launcher}: expected 'helper', 'spawn' or 'forkserver'`);
  const isolation = String(get('isolation'));
  if (!/^[a-z_]+\/[a-z_]+(,[a-z_]+\/[a-z_]+)*$/.test(isolation.replace(/\s/g, ''))) {
    throw new AgentFlagsError('isolation', `--isolation=${isolation}: expected a comma-separated list such as posix/cpu,posix/mem`);
  }
  const dur = (k: keyof AgentFlags): number => parseDuration(k, get(k) as string | number);
  const flags: AgentFlags = {
    master,
    ip,
    port: parsePort('port', get('port') as string | number),
    hostname,
    work_dir,
    isolation: isolation.replace(/\s/g, ''),
    launcher,
    recover,
    strict: parseBool('strict', get('strict') as string | boolean),
    registration_backoff_factor: dur('registration_backoff_factor'),
    executor_registration_timeout: dur('executor_registration_timeout'),
    executor_shutdown_grace_period: dur('executor_shutdown_grace_period'),
    recovery_timeout: dur('recovery_timeout'),
    gc_delay: dur('gc_delay'),
    status_update_retry_interval_min: dur('status_update_retry_interval_min'),
    status_update_retry_interval_max: dur('status_update_retry_interval_max'),
    fsync: parseBool('fsync', get('fsync') as string | boolean),
    authenticate_http_readwrite: parseBool('authenticate_http_readwrite', get('authenticate_http_readwrite') as string | boolean),
    authenticate_http_readonly: parseBool('authenticate_http_readonly', get('authenticate_http_readonly') as string | boolean),
    authenticate_http_executors: parseBool('authenticate_http_executors', get('authenticate_http_executors') as string | boolean),
    switch_user: parseBool('switch_user', get('switch_user') as string | boolean),
  };
  if (flags.status_update_retry_interval_min <= 0) {
    throw new AgentFlagsError('status_update_retry_interval_min', `--status_update_retry_interval_min: must be positive`);
  }
  if (flags.status_update_retry_interval_max < flags.status_update_retry_interval_min) {
    throw new AgentFlagsError('status_update_retry_interval_max', `--status_update_retry_interval_max must not be below --status_update_retry_interval_min`);
  }
  const out: { -readonly [K in keyof AgentFlags]: AgentFlags[K] } = flags;
  Object.assign(out, imageFlags(input, flags.isolation, (flag, message) => new AgentFlagsError(flag, message)));
  Object.assign(out, fetcherFlags(input, (flag, message) => new AgentFlagsError(flag, message)));
  Object.assign(out, loggerFlags(input, (flag, message) => new AgentFlagsError(flag, message)));
  Object.assign(out, portsFlags(input, flags.isolation, (flag, message) => new AgentFlagsError(flag, message)));
  Object.assign(out, gpuFlags(input, flags.isolation, (flag, message) => new AgentFlagsError(flag, message)));
  if (input.runtime_dir !== undefined) {
    const dir = String(input.runtime_dir);
    if (dir.trim() === '' || !dir.startsWith('/')) throw new AgentFlagsError('runtime_dir', `--runtime_dir=${dir}: expected an absolute directory path`);
    out.runtime_dir = dir;
  }
  if (input.advertise_ip !== undefined) {
    if (!HOST.test(String(input.advertise_ip))) throw new AgentFlagsError('advertise_ip', `--advertise_ip=${input.advertise_ip}: expected an IP address`);
    out.advertise_ip = String(input.advertise_ip);
  }
  if (input.default_role !== undefined) {
    const role = String(input.default_role);
    const why = roleError(role);
    if (why !== undefined) throw new AgentFlagsError('default_role', `--default_role=${role}: ${why}`);
    out.default_role = role;
  }
  if (input.resources !== undefined) {
    out.resources = String(input.resources);
    parseResourcesFlag(out.resources, out.default_role); // validates
  }
  if (input.attributes !== undefined) {
    out.attributes = String(input.attributes);
    parseAttributesFlag(out.attributes);
  }
  if (input.credential !== undefined) {
    if (String(input.credential).trim() === '') throw new AgentFlagsError('credential', '--credential: expected the path of a credential file');
    out.credential = String(input.credential);
  }
  if (input.http_credentials !== undefined) {
    out.http_credentials = String(input.http_credentials);
    try {
      readCredentialsFile(out.http_credentials);
    } catch (e) {
      throw new AgentFlagsError('http_credentials', `--http_credentials=${out.http_credentials}: ${(e as Error).message}`);
    }
  }
  if ((flags.authenticate_http_readwrite || flags.authenticate_http_readonly) && out.http_credentials === undefined) {
    const which = flags.authenticate_http_readwrite ? 'authenticate_http_readwrite' : 'authenticate_http_readonly';
    throw new AgentFlagsError(which, `--${which}: authentication needs --http_credentials (a file of principals and secrets)`);
  }
  if (input.executor_secret_key !== undefined) out.executor_secret_key = String(input.executor_secret_key);
  if (input.acls !== undefined) {
    try {
      out.acls = typeof input.acls === 'string' ? parseAcls(input.acls, '--acls') : (input.acls as Acls);
    } catch (e) {
      throw new AgentFlagsError('acls', (e as Error).message);
    }
  }
  if (input.seed !== undefined) {
    const s = Number(input.seed);
    if (!Number.isInteger(s) || s < 0) throw new AgentFlagsError('seed', `--seed=${input.seed}: expected a non-negative integer`);
    out.seed = s;
  }
  return out;
}

/** `host:port` or `id@host:port` → the master's PID text. */
export function masterPidText(master: string): string {
  const text = master.includes('@') ? master : `master@${master}`;
  const m = /^([^@\s/]+)@([A-Za-z0-9_.\-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(text);
  if (!m || Number(m[3]) > 65535) throw new AgentFlagsError('master', `--master=${master}: expected host:port (e.g. 10.0.0.1:5050) or master@host:port`);
  return text;
}

/**
 * `host:port[,host:port...]` → the masters' PID texts (high availability: the
 * agent follows whichever one leads). Throws AgentFlagsError naming a bad one.
 */
export function masterPidTexts(masters: string): string[] {
  const list = masters.split(',').map((m) => m.trim()).filter((m) => m !== '');
  if (list.length === 0) throw new AgentFlagsError('master', `--master=${masters}: expected host:port (e.g. 10.0.0.1:5050), master@host:port, or a comma-separated list of them`);
  return list.map(masterPidText);
}

export function parseResourcesFlag(text: string, defaultRole = '*'): Resources {
  let resources: Resources;
  try {
    resources = Resources.parse(text, defaultRole);
  } catch (e) {
    throw new AgentFlagsError('resources', `--resources=${text}: ${(e as Error).message}`);
  }
  const why = diskSourcesError(resources);
  if (why !== undefined) throw new AgentFlagsError('resources', `--resources: ${why}`);
  for (const r of resources.toJSON()) {
    const root = diskSource(r).root;
    if (root !== undefined && !isDirectory(root)) throw new AgentFlagsError('resources', `--resources: the ${diskSource(r).type} disk's root ${root} is not an existing directory`);
  }
  return resources;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function parseAttributesFlag(text: string): Attribute[] {
  try {
    return parseAttributes(text);
  } catch (e) {
    throw new AgentFlagsError('attributes', `--attributes=${text}: ${(e as Error).message}`);
  }
}

/** The names auto-detected when `--resources` does not give them. */
export const DETECTED_RESOURCES = ['cpus', 'mem', 'disk', 'ports'] as const;

/**
 * The agent's total resources: `--resources`, plus the detected value of
 * each of cpus, mem, disk and ports it does not give, as Mesos's
 * Containerizer::resources does, plus `gpus` for the GPUs the gpu/nvidia
 * isolator found (`gpuCount`, see gpu-flags.ts) when --resources does not name them.
 */
export async function agentResources(flags: AgentFlags, detect: typeof detectResources = detectResources, gpuCount = 0): Promise<Resources> {
  const given = flags.resources !== undefined ? parseResourcesFlag(flags.resources, flags.default_role) : Resources.empty();
  const names = new Set(given.names());
  let out = given;
  if (!names.has('gpus') && gpuCount > 0) out = out.add(Resources.parse(`gpus:${gpuCount}`, flags.default_role ?? '*'));
  const missing = DETECTED_RESOURCES.filter((n) => !names.has(n));
  if (missing.length === 0) return out;
  const detected = Resources.parse((await detect(flags.work_dir)).text, flags.default_role ?? '*');
  for (const n of missing) out = out.add(detected.named(n));
  return out;
}

export function agentAttributes(flags: AgentFlags): Attribute[] {
  return flags.attributes !== undefined ? parseAttributesFlag(flags.attributes) : [];
}
