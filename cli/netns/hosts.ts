/**
 * What `local` needs of a netns cluster: each node's namespace and address,
 * the masters' ports, what cluster.json says of them, and the teardown.
 */
import { readFileSync } from 'node:fs';
import { parseDuration } from '../durations.js';
import { cleanupStale, createNetwork, destroyNetwork } from './network.js';
import { netnsUnavailable } from './sh.js';

export type HostsKind = 'loopback' | 'netns';

export function parseHosts(text: string): HostsKind {
  if (text === 'loopback' || text === 'netns') return text;
  throw new Error(`--hosts=${text}: expected loopback or netns`);
}

/** Refuses --hosts=netns where it cannot work (not root, no ip or nft), before anything is made. */
export function checkHosts(kind: HostsKind): void {
  const why = kind === 'netns' ? netnsUnavailable() : null;
  if (why !== null) throw new Error(why);
}

/**
 * The environment that sets every member's WebSocket ping interval (libprocess-ts LIBPROCESS_KEEPALIVE_INTERVAL_MS).
 * A connection is closed after 3 unanswered pings in a row, so netns clusters (made for partitions) ping every
 * 500 ms: a half-open connection is found within 2 s.
 */
export function keepaliveEnv(given: string | undefined, kind: HostsKind): Record<string, string> {
  if (given === undefined) return kind === 'netns' ? { LIBPROCESS_KEEPALIVE_INTERVAL_MS: '500' } : {};
  const ms = parseDuration('keepalive', given);
  if (!(ms >= 10)) throw new Error(`--keepalive=${given}: expected at least 10ms`);
  return { LIBPROCESS_KEEPALIVE_INTERVAL_MS: String(Math.round(ms)) };
}

export interface NetnsHosts {
  readonly masterPorts: readonly number[];
  masterIp(i: number): string;
  agentIp(i: number): string;
  netnsOf(name: string): string;
  /** What cluster.json says of node `name`. */
  describe(name: string): { name: string; netns: string; ip: string };
  /** cluster.json's `network`. */
  readonly network: { bridge: string; bridge_ip: string; subnet: string; state: string };
  destroy(): Promise<void>;
}

export async function netnsHosts(workDir: string, masters: number, agents: number, port: number, log: (line: string) => void): Promise<NetnsHosts> {
  checkHosts('netns');
  const masterNames = Array.from({ length: masters }, (_, i) => (masters === 1 ? 'master' : `master${i + 1}`));
  const agentNames = Array.from({ length: agents }, (_, i) => `agent${i + 1}`);
  await cleanupStale(workDir, log);
  const state = await createNetwork(workDir, clusterId(), [...masterNames, ...agentNames], log);
  const { plan } = state;
  log(`netns: bridge ${plan.bridge} at ${plan.bridgeIp} on ${plan.subnet}; ${plan.nodes.map((n) => `${n.name} ${n.ip}`).join(', ')}`);
  const node = (name: string): (typeof plan.nodes)[number] => plan.nodes.find((n) => n.name === name)!;
  let destroyed: Promise<void> | undefined;
  return {
    // Each master has an address (and a port space) of its own: all take --port (5050 unless given; 0 too).
    masterPorts: masterNames.map(() => (port === 0 ? 5050 : port)),
    masterIp: (i) => node(masterNames[i]!).ip,
    agentIp: (i) => node(agentNames[i]!).ip,
    netnsOf: (name) => node(name).netns,
    describe: (name) => ({ name, netns: node(name).netns, ip: node(name).ip }),
    network: { bridge: plan.bridge, bridge_ip: plan.bridgeIp, subnet: plan.subnet, state: `${workDir}/netns.json` },
    destroy: () => (destroyed ??= destroyNetwork(workDir, state)),
  };
}

/** This `local`'s id on its bridge: its pid and start time (field 22 of /proc/self/stat), unique on this machine. */
function clusterId(): string {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return `${process.pid}.${fields[19]}`;
}
