/**
 * Maintenance and draining (include/mesos/v1/maintenance/maintenance.proto,
 * the MachineID, Unavailability, InverseOffer and DrainInfo messages of
 * mesos.proto): the shapes, and the checks a schedule or a list of machines
 * must pass before a master acts on it. Pure: times are nanoseconds given in.
 */
import type { AgentID, FrameworkID, OfferID } from './ids.js';
import type { DurationInfo, TimeInfo } from './types.js';

/** A machine, by hostname and/or IP (at least one; the hostname is not case-sensitive). */
export interface MachineID { hostname?: string; ip?: string }

/** When a machine may become unavailable: from `start`, for `duration` (unknown when absent). */
export interface Unavailability { start: TimeInfo; duration?: DurationInfo }

export interface MaintenanceWindow { machine_ids: MachineID[]; unavailability: Unavailability }
export interface MaintenanceSchedule { windows: MaintenanceWindow[] }

/** What a framework answered to the inverse offer of a machine (allocator.InverseOfferStatus). */
export interface InverseOfferStatus { status: 'UNKNOWN' | 'ACCEPT' | 'DECLINE'; framework_id: FrameworkID; timestamp: TimeInfo }

/** maintenance.ClusterStatus. */
export interface ClusterStatus {
  draining_machines: { id: MachineID; statuses: InverseOfferStatus[] }[];
  down_machines: MachineID[];
}

/** The master asks a framework for an agent's resources back (mesos.proto InverseOffer; `resources` empty: all of them). */
export interface InverseOffer {
  id: OfferID;
  framework_id: FrameworkID;
  agent_id?: AgentID;
  unavailability: Unavailability;
  resources: never[];
}

export type DrainState = 'DRAINING' | 'DRAINED';
export interface DrainConfig { max_grace_period?: DurationInfo; mark_gone: boolean }
export interface DrainInfo { state: DrainState; config: DrainConfig }

/** The one key of a machine: `hostname/ip` with the hostname lower-cased (either may be empty). */
export function machineKey(m: MachineID): string {
  return `${(m.hostname ?? '').toLowerCase()}/${m.ip ?? ''}`;
}

/** Whether the agent at `hostname` and `ip` is on machine `m`: every field `m` gives matches. */
export function onMachine(m: MachineID, hostname: string, ip: string): boolean {
  if (m.hostname !== undefined && m.hostname !== '' && m.hostname.toLowerCase() !== hostname.toLowerCase()) return false;
  if (m.ip !== undefined && m.ip !== '' && m.ip !== ip) return false;
  return true;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** A machine from JSON, or the reason it is not one (`where` names the field). */
export function parseMachine(value: unknown, where: string): MachineID | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `${where}: expected an object {"hostname", "ip"}`;
  const { hostname, ip } = value as { hostname?: unknown; ip?: unknown };
  if (hostname !== undefined && typeof hostname !== 'string') return `${where}.hostname: expected a string`;
  if (ip !== undefined && typeof ip !== 'string') return `${where}.ip: expected a string`;
  if ((hostname ?? '') === '' && (ip ?? '') === '') return `${where}: a machine needs a hostname or an ip`;
  if (hostname !== undefined && hostname !== '' && (hostname.length > 253 || !HOSTNAME.test(hostname))) return `${where}.hostname: '${hostname}' is not a host name`;
  if (ip !== undefined && ip !== '' && !IPV4.test(ip)) return `${where}.ip: '${ip}' is not an IPv4 address`;
  return { ...(hostname ? { hostname: hostname.toLowerCase() } : {}), ...(ip ? { ip } : {}) };
}

/** A list of machines (START_MAINTENANCE, STOP_MAINTENANCE, /machine/down, /machine/up): not empty, each once. */
export function parseMachines(value: unknown, where: string): MachineID[] | string {
  if (!Array.isArray(value)) return `${where}: expected a list of machines`;
  if (value.length === 0) return `${where}: the list of machines is empty`;
  const out: MachineID[] = [];
  const seen = new Set<string>();
  for (const [i, v] of value.entries()) {
    const m = parseMachine(v, `${where}[${i}]`);
    if (typeof m === 'string') return m;
    const key = machineKey(m);
    if (seen.has(key)) return `${where}[${i}]: machine ${describeMachine(m)} is listed twice`;
    seen.add(key);
    out.push(m);
  }
  return out;
}

function nanos(value: unknown, where: string): number | string {
  const n = (value as { nanoseconds?: unknown } | undefined)?.nanoseconds;
  const v = typeof n === 'string' && /^-?\d+$/.test(n) ? Number(n) : n;
  if (typeof v !== 'number' || !Number.isFinite(v)) return `${where}.nanoseconds: expected an integer`;
  return v;
}

/** A schedule from JSON: every window has machines and an unavailability; every machine appears once. */
export function parseSchedule(value: unknown, where: string): MaintenanceSchedule | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `${where}: expected an object {"windows": [...]}`;
  const windows = (value as { windows?: unknown }).windows ?? [];
  if (!Array.isArray(windows)) return `${where}.windows: expected a list`;
  const seen = new Set<string>();
  const out: MaintenanceWindow[] = [];
  for (const [i, w] of windows.entries()) {
    const at = `${where}.windows[${i}]`;
    if (w === null || typeof w !== 'object') return `${at}: expected an object {"machine_ids", "unavailability"}`;
    const { machine_ids, unavailability } = w as { machine_ids?: unknown; unavailability?: unknown };
    if (!Array.isArray(machine_ids) || machine_ids.length === 0) return `${at}.machine_ids: a window needs at least one machine`;
    if (unavailability === null || typeof unavailability !== 'object') return `${at}.unavailability: a window needs an unavailability {"start", "duration"}`;
    const start = nanos((unavailability as { start?: unknown }).start, `${at}.unavailability.start`);
    if (typeof start === 'string') return start;
    const rawDuration = (unavailability as { duration?: unknown }).duration;
    const duration = rawDuration === undefined || rawDuration === null ? undefined : nanos(rawDuration, `${at}.unavailability.duration`);
    if (typeof duration === 'string') return duration;
    if (duration !== undefined && duration < 0) return `${at}.unavailability.duration: must not be negative`;
    const machines: MachineID[] = [];
    for (const [j, raw] of machine_ids.entries()) {
      const m = parseMachine(raw, `${at}.machine_ids[${j}]`);
      if (typeof m === 'string') return m;
      const key = machineKey(m);
      if (seen.has(key)) return `${at}.machine_ids[${j}]: machine ${describeMachine(m)} appears in the schedule more than once`;
      seen.add(key);
      machines.push(m);
    }
    out.push({ machine_ids: machines, unavailability: { start: { nanoseconds: start }, ...(duration !== undefined ? { duration: { nanoseconds: duration } } : {}) } });
  }
  return { windows: out };
}

export function describeMachine(m: MachineID): string {
  return [m.hostname, m.ip].filter((x) => x !== undefined && x !== '').join('/');
}
