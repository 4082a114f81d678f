/**
 * Faults from the kernel on a running netns cluster, each one a rule in a
 * node's own namespace (or a cgroup of its processes), recorded in
 * <work_dir>/netns-faults.json so that `heal` undoes exactly them:
 *
 *   partition  nft table `inet mts_fault` in each node: packets to and from
 *              the nodes of other groups dropped (input and output hooks);
 *              --one-way drops only what the first group sends to the others
 *   loss       the same table: `numgen random` drops that share of what the node sends
 *   delay,     tc on the node's eth0: netem (delay, and rate with it) where the
 *   slow-link  kernel has it; a rate alone is a tbf qdisc
 *   slow-disk  a blkio (cgroup v1) group of every process in the node's
 *              namespace, with read/write IOPS and bytes/s throttles on the
 *              disk that holds the node's work dir
 *
 * The operator's own namespace (the bridge's address) is never cut: commands,
 * tests and the chaos checker keep watching every node through it.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BLKIO_ROOT, FAULTS_FILE, type NetnsState } from './network.js';
import type { NetworkPlan, NodePlan } from './plan.js';
import { inNetns, run, ToolError } from './sh.js';

const TABLE = 'mts_fault';

export interface LinkFault {
  delayMs?: number;
  jitterMs?: number;
  lossPercent?: number;
  rateKbit?: number;
}

export interface DiskFault {
  readonly iops: number;
  readonly bytesPerSecond: number;
  readonly device: string;
}

export interface Faults {
  /** Groups of node names; the nodes named in no group form one more. */
  partition?: { groups: string[][]; oneWay: boolean };
  links: Record<string, LinkFault>;
  disks: Record<string, DiskFault>;
}

export function readFaults(workDir: string): Faults {
  const file = join(workDir, FAULTS_FILE);
  if (!existsSync(file)) return { links: {}, disks: {} };
  let f: Partial<Faults> | null;
  try {
    f = JSON.parse(readFileSync(file, 'utf8')) as Partial<Faults> | null;
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message}); \`local fault heal\` cannot tell what is in force: remove the file and heal again`);
  }
  const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  const p = f?.partition;
  if (!isRecord(f) || !isRecord(f.links ?? {}) || !isRecord(f.disks ?? {}) || (p !== undefined && (!Array.isArray(p.groups) || !p.groups.every((g) => Array.isArray(g) && g.every((n) => typeof n === 'string')) || typeof p.oneWay !== 'boolean'))) {
    throw new Error(`${file}: expected {"partition"?: {"groups": [[node...]...], "oneWay": bool}, "links": {...}, "disks": {...}}`);
  }
  return { ...(p !== undefined ? { partition: p } : {}), links: f.links ?? {}, disks: f.disks ?? {} };
}

function writeFaults(workDir: string, f: Faults): void {
  writeFileSync(join(workDir, FAULTS_FILE), JSON.stringify(f, null, 2) + '\n');
}

export function nodeOf(plan: NetworkPlan, name: string): NodePlan {
  const n = plan.nodes.find((x) => x.name === name);
  if (n === undefined) throw new Error(`no node '${name}' in this cluster (its nodes: ${plan.nodes.map((x) => x.name).join(', ')})`);
  return n;
}

/**
 * For each node, the addresses it must not hear from (`deny_in`) and must
 * not send to (`deny_out`) under a partition. Pure.
 */
export function partitionRules(plan: NetworkPlan, groups: readonly (readonly string[])[], oneWay: boolean): Map<string, { denyIn: string[]; denyOut: string[] }> {
  const groupOf = new Map<string, number>();
  groups.forEach((g, i) =>
    g.forEach((name) => {
      nodeOf(plan, name);
      if (groupOf.has(name)) throw new Error(`node '${name}' is in two groups of the partition`);
      groupOf.set(name, i);
    }),
  );
  const rest = groups.length;
  const group = (name: string): number => groupOf.get(name) ?? rest;
  const rules = new Map<string, { denyIn: string[]; denyOut: string[] }>();
  for (const n of plan.nodes) {
    const others = plan.nodes.filter((o) => group(o.name) !== group(n.name)).map((o) => o.ip);
    if (oneWay) {
      // Only the first group's packets to everyone else vanish; what the others send it still arrives.
      rules.set(n.name, { denyIn: [], denyOut: group(n.name) === 0 ? others : [] });
    } else {
      rules.set(n.name, { denyIn: others, denyOut: others });
    }
  }
  return rules;
}

/** The nft script that makes node `name`'s fault table what `faults` says (replacing what it was). */
export function nftScript(plan: NetworkPlan, faults: Faults, name: string): string {
  const rules = faults.partition === undefined ? undefined : partitionRules(plan, faults.partition.groups, faults.partition.oneWay).get(name);
  const loss = faults.links[name]?.lossPercent;
  const lines = [`table inet ${TABLE}`, `delete table inet ${TABLE}`, `table inet ${TABLE} {`];
  lines.push('  chain input {', '    type filter hook input priority -10; policy accept;');
  if (rules !== undefined && rules.denyIn.length > 0) lines.push(`    ip saddr { ${rules.denyIn.join(', ')} } drop`);
  lines.push('  }', '  chain output {', '    type filter hook output priority -10; policy accept;');
  if (rules !== undefined && rules.denyOut.length > 0) lines.push(`    ip daddr { ${rules.denyOut.join(', ')} } drop`);
  if (loss !== undefined && loss > 0) lines.push(`    oifname "eth0" numgen random mod 10000 < ${Math.round(loss * 100)} drop`);
  lines.push('  }', '}');
  return lines.join('\n') + '\n';
}

async function applyNft(plan: NetworkPlan, faults: Faults, name: string): Promise<void> {
  await inNetns(nodeOf(plan, name).netns, 'nft', ['-f', '-'], nftScript(plan, faults, name));
}

/** Makes node `name`'s qdisc what its link fault says. */
async function applyLink(plan: NetworkPlan, name: string, f: LinkFault | undefined): Promise<void> {
  const ns = nodeOf(plan, name).netns;
  const delay = f?.delayMs ?? 0;
  const rate = f?.rateKbit;
  if (delay === 0 && rate === undefined) {
    try {
      await run('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root']);
    } catch (err) {
      // No qdisc of ours there: nothing to remove.
      if (!(err instanceof ToolError) || !/No such file|Cannot delete qdisc with handle of zero|Invalid handle/i.test(err.stderr)) throw err;
    }
    return;
  }
  if (delay > 0) {
    const args = ['qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', 'delay', `${delay}ms`, ...(f?.jitterMs ? [`${f.jitterMs}ms`] : []), ...(rate !== undefined ? ['rate', `${rate}kbit`] : [])];
    try {
      await inNetns(ns, 'tc', args);
    } catch (err) {
      if (err instanceof ToolError && /qdisc kind is unknown/i.test(err.stderr)) {
        throw new Error(`delay: this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM is off: ${err.stderr.trim()}); loss, slow-link (a tbf rate) and partitions still work`);
      }
      throw err;
    }
    return;
  }
  // A rate alone: a token bucket; a packet that would wait more than 2 s is dropped, as on a congested link.
  const burstKbit = Math.max(32, Math.ceil(rate! / 100));
  await inNetns(ns, 'tc', ['qdisc', 'replace', 'dev', 'eth0', 'root', 'tbf', 'rate', `${rate}kbit`, 'burst', `${burstKbit}kbit`, 'latency', '2000ms']);
}

export async function partition(workDir: string, state: NetnsState, groups: string[][], oneWay: boolean): Promise<void> {
  const faults = readFaults(workDir);
  partitionRules(state.plan, groups, oneWay); // validates the names before anything changes
  faults.partition = { groups, oneWay };
  writeFaults(workDir, faults);
  // Every node at once: the cut is in force as soon as possible, not node by node.
  await Promise.all(state.plan.nodes.map((n) => applyNft(state.plan, faults, n.name)));
}

export async function setLink(workDir: string, state: NetnsState, name: string, change: LinkFault): Promise<void> {
  nodeOf(state.plan, name);
  const faults = readFaults(workDir);
  const f = { ...faults.links[name], ...change };
  faults.links[name] = f;
  writeFaults(workDir, faults);
  if (change.lossPercent !== undefined) await applyNft(state.plan, faults, name);
  if (change.delayMs !== undefined || change.rateKbit !== undefined || change.jitterMs !== undefined) await applyLink(state.plan, name, f);
}

/** The whole disk (`major:minor`) that holds `path`: blkio throttles take disks, not partitions. */
export function diskOf(path: string): string {
  const dev = statSync(path).dev;
  const major = Number((BigInt(dev) >> 8n) & 0xfffn);
  const minor = Number((BigInt(dev) & 0xffn) | ((BigInt(dev) >> 12n) & 0xfff00n));
  const sys = `/sys/dev/block/${major}:${minor}`;
  if (!existsSync(sys)) throw new Error(`slow-disk: ${path} is on device ${major}:${minor}, which is no block device (a tmpfs or overlay: blkio cannot throttle it)`);
  if (existsSync(join(sys, 'partition'))) return readFileSync(join(realpathSync(sys), '..', 'dev'), 'utf8').trim();
  return `${major}:${minor}`;
}

export async function slowDisk(workDir: string, state: NetnsState, name: string, iops: number, bytesPerSecond: number): Promise<DiskFault> {
  const node = nodeOf(state.plan, name);
  if (!existsSync(join(BLKIO_ROOT, 'blkio.throttle.write_iops_device'))) throw new Error(`slow-disk: no cgroup v1 blkio controller with throttling at ${BLKIO_ROOT}`);
  const device = diskOf(join(workDir, name));
  const dir = join(BLKIO_ROOT, node.netns);
  mkdirSync(dir, { recursive: true });
  for (const file of ['read_iops_device', 'write_iops_device']) writeFileSync(join(dir, `blkio.throttle.${file}`), `${device} ${iops}`);
  for (const file of ['read_bps_device', 'write_bps_device']) writeFileSync(join(dir, `blkio.throttle.${file}`), `${device} ${bytesPerSecond}`);
  await joinCgroup(node, dir);
  const fault: DiskFault = { iops, bytesPerSecond, device };
  const faults = readFaults(workDir);
  faults.disks[name] = fault;
  writeFaults(workDir, faults);
  return fault;
}

/** Every process in the node's namespace into cgroup `dir` (its children, tasks included, follow by inheritance). */
async function joinCgroup(node: NodePlan, dir: string): Promise<void> {
  const pids = (await run('ip', ['netns', 'pids', node.netns])).split('\n').filter((p) => /^\d+$/.test(p));
  for (const pid of pids) {
    try {
      writeFileSync(join(dir, 'cgroup.procs'), pid);
    } catch {
      // exited meanwhile
    }
  }
}

async function healDisk(state: NetnsState, name: string): Promise<void> {
  const node = nodeOf(state.plan, name);
  const dir = join(BLKIO_ROOT, node.netns);
  if (!existsSync(dir)) return;
  for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter((p) => p !== '')) {
    try {
      writeFileSync(join(BLKIO_ROOT, 'cgroup.procs'), pid);
    } catch {
      // exited meanwhile
    }
  }
  rmdirSync(dir);
}

/** Undoes every fault (or those of `only`: its links and disks, and the partition when it names one of them). */
export async function heal(workDir: string, state: NetnsState, only?: readonly string[]): Promise<string[]> {
  const faults = readFaults(workDir);
  const names = only ?? state.plan.nodes.map((n) => n.name);
  for (const n of names) nodeOf(state.plan, n);
  const healed: string[] = [];
  if (faults.partition !== undefined && (only === undefined || faults.partition.groups.some((g) => g.some((n) => names.includes(n))))) {
    healed.push(`partition ${faults.partition.groups.map((g) => g.join(',')).join(' | ')}${faults.partition.oneWay ? ' (one-way)' : ''}`);
    delete faults.partition;
  }
  for (const n of names) {
    if (faults.links[n] !== undefined) {
      healed.push(`link of ${n}`);
      delete faults.links[n];
      await applyLink(state.plan, n, undefined);
    }
    if (faults.disks[n] !== undefined) {
      healed.push(`disk of ${n}`);
      delete faults.disks[n];
      await healDisk(state, n);
    }
  }
  writeFaults(workDir, faults);
  // Every node at once: the cut is in force as soon as possible, not node by node.
  await Promise.all(state.plan.nodes.map((n) => applyNft(state.plan, faults, n.name)));
  return healed;
}
