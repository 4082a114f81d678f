/**
 * The network/ports isolator's flags, Mesos's names and defaults (src/slave/flags.cpp):
 * `--container_ports_watch_interval` (30secs), `--check_agent_port_range_only` (false),
 * `--enforce_container_ports` (false: unallocated listeners are only logged),
 * `--container_ports_isolated_range` (`[0-35000]`; not with --check_agent_port_range_only).
 */
import { parseDurationMs, DURATION_EXAMPLES } from '../protocol/durations.js';
import type { Resources } from '../protocol/resources.js';
import type { PortRanges } from './containerizer/isolators/network-ports.js';

export interface PortsFlags {
  readonly container_ports_watch_interval?: number;
  readonly check_agent_port_range_only?: boolean;
  readonly enforce_container_ports?: boolean;
  readonly container_ports_isolated_range?: PortRanges;
}

export const PORTS_FLAG_NAMES = ['container_ports_watch_interval', 'check_agent_port_range_only', 'enforce_container_ports', 'container_ports_isolated_range'] as const;

export const DEFAULT_PORTS_WATCH_INTERVAL_MS = 30_000;

type Fail = (flag: string, message: string) => Error;

function bool(flag: string, v: unknown, fail: Fail): boolean {
  if (typeof v === 'boolean') return v;
  if (/^(true|1|yes)$/i.test(String(v))) return true;
  if (/^(false|0|no)$/i.test(String(v))) return false;
  throw fail(flag, `--${flag}=${String(v)}: expected true or false`);
}

/** `[0-35000]` or `[1-100,200-300]` → ranges; undefined when malformed. */
export function parsePortRanges(text: string): [number, number][] | undefined {
  const m = /^\[(.*)\]$/.exec(text.trim());
  if (!m) return undefined;
  const out: [number, number][] = [];
  for (const part of m[1]!.split(',')) {
    const r = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
    if (!r) return undefined;
    const [b, e] = [Number(r[1]), Number(r[2])];
    if (b > e || e > 65535) return undefined;
    out.push([b, e]);
  }
  return out;
}

export function portsFlags(input: Record<string, unknown>, isolation: string, fail: Fail): PortsFlags {
  const out: { -readonly [K in keyof PortsFlags]: PortsFlags[K] } = {};
  const v = input.container_ports_watch_interval;
  if (v !== undefined) {
    const ms = typeof v === 'number' ? v : parseDurationMs(String(v));
    if (ms === undefined || !(ms > 0)) throw fail('container_ports_watch_interval', `--container_ports_watch_interval=${String(v)}: expected a positive duration such as ${DURATION_EXAMPLES}`);
    out.container_ports_watch_interval = ms;
  }
  if (input.check_agent_port_range_only !== undefined) out.check_agent_port_range_only = bool('check_agent_port_range_only', input.check_agent_port_range_only, fail);
  if (input.enforce_container_ports !== undefined) out.enforce_container_ports = bool('enforce_container_ports', input.enforce_container_ports, fail);
  if (input.container_ports_isolated_range !== undefined) {
    const r = parsePortRanges(String(input.container_ports_isolated_range));
    if (!r) throw fail('container_ports_isolated_range', `--container_ports_isolated_range=${String(input.container_ports_isolated_range)}: expected ranges such as [0-35000]`);
    out.container_ports_isolated_range = r;
  }
  if (out.check_agent_port_range_only && out.container_ports_isolated_range) {
    throw fail('check_agent_port_range_only', 'Only one of --check_agent_port_range_only or --container_ports_isolated_range may be given');
  }
  const given = PORTS_FLAG_NAMES.find((k) => input[k] !== undefined);
  if (given !== undefined && !isolation.split(',').includes('network/ports')) throw fail(given, `--${given} is for the network/ports isolator: add it to --isolation`);
  return out;
}

/** The isolator's options for the agent: which ports it checks (the agent's own with --check_agent_port_range_only). */
export function networkPortsOptions(flags: PortsFlags, agentResources: Resources): { intervalMs: number; enforce: boolean; isolatedRange?: PortRanges } {
  const agentPorts = (): PortRanges =>
    agentResources.toJSON().filter((r) => r.name === 'ports').flatMap((r) => (r.ranges?.range ?? []).map((x): [number, number] => [Number(x.begin), Number(x.end)]));
  const isolatedRange = flags.check_agent_port_range_only ? agentPorts() : flags.container_ports_isolated_range;
  return {
    intervalMs: flags.container_ports_watch_interval ?? DEFAULT_PORTS_WATCH_INTERVAL_MS,
    enforce: flags.enforce_container_ports ?? false,
    ...(isolatedRange ? { isolatedRange } : {}),
  };
}
