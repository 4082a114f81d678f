/**
 * Making and removing a netns cluster's network: a slot claimed by creating
 * its bridge (plan.ts), one namespace per node joined to the bridge by a veth
 * pair, and everything of the slot removed again, also after a crash:
 *
 *   root namespace                         namespace mts<slot>-master1
 *   bridge mts<slot> (slot .1/28) ── mts<slot>v0 ═══ eth0 (slot .2/28), lo
 *                                 ── mts<slot>v1 ═══ eth0 (slot .3/28)    namespace mts<slot>-master2
 *                                 ...
 *
 * The bridge's alias names its owner (`mesos-ts pid=<pid of local> id=<cluster id>`):
 * a slot whose owner is no longer running is reclaimed by the next cluster
 * that needs one, and a cluster's state file (<work_dir>/netns.json, written
 * before anything is made) lets the next `local` on the same work dir remove
 * what a crashed one left.
 */
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeSlots, planNetwork, slotHolder, SLOT_PREFIX_LENGTH, SLOTS, type NetworkPlan } from './plan.js';
import { run, runIgnoring, ToolError } from './sh.js';

export const STATE_FILE = 'netns.json';
/** The faults in force (faults.ts): gone with the network. */
export const FAULTS_FILE = 'netns-faults.json';
export const BLKIO_ROOT = '/sys/fs/cgroup/blkio';

export interface NetnsState {
  readonly id: string;
  readonly plan: NetworkPlan;
}

const GONE = /Cannot find|does not exist|No such file|not found/i;

/** The state file of the cluster in `workDir`, or undefined when there is none; a file that does not parse is an error naming it. */
export function readState(workDir: string): NetnsState | undefined {
  const file = join(workDir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message}); remove it once the namespaces mts<N>-* it names are gone (ip netns list)`);
  }
  const s = parsed as Partial<NetnsState> | null;
  if (s === null || typeof s !== 'object' || typeof s.id !== 'string' || typeof s.plan !== 'object' || s.plan === null || !Number.isInteger(s.plan.slot) || !Array.isArray(s.plan.nodes)) {
    throw new Error(`${file}: expected {"id", "plan": {"slot", "nodes": [...]}}`);
  }
  // The names are derived again from the slot and node names: a file edited by hand names nothing else.
  return { id: s.id, plan: planNetwork(s.plan.slot, s.plan.nodes.map((n) => String((n as { name?: unknown }).name))) };
}

function ownerAlias(id: string): string {
  return `mesos-ts pid=${process.pid} id=${id}`;
}

/** The alias of a slot's bridge, or undefined when there is no such bridge. */
async function bridgeAlias(bridge: string): Promise<string | undefined> {
  try {
    const out = await run('ip', ['-j', 'link', 'show', 'dev', bridge]);
    const links = JSON.parse(out) as { ifalias?: string }[];
    return links[0]?.ifalias ?? '';
  } catch (err) {
    if (err instanceof ToolError && GONE.test(err.stderr)) return undefined;
    throw err;
  }
}

function ownerAlive(alias: string): boolean {
  const m = /pid=(\d+)/.exec(alias);
  if (m === null) return false;
  try {
    process.kill(Number(m[1]), 0);
  } catch {
    return false;
  }
  // A live pid of some other program (the pid was reused) does not hold the slot either.
  try {
    return readFileSync(`/proc/${m[1]}/cmdline`, 'utf8').includes('local');
  } catch {
    return false;
  }
}

/** CIDR blocks of the root namespace's addresses and routes, other than our own bridges'. */
async function rootBlocks(): Promise<string[]> {
  const blocks: string[] = [];
  const addrs = JSON.parse(await run('ip', ['-j', '-4', 'addr', 'show'])) as { ifname: string; addr_info?: { local: string; prefixlen: number }[] }[];
  for (const l of addrs) if (!/^mts\d+$/.test(l.ifname)) for (const a of l.addr_info ?? []) blocks.push(`${a.local}/${a.prefixlen}`);
  const routes = JSON.parse(await run('ip', ['-j', '-4', 'route', 'show', 'table', 'all'])) as { dst: string; dev?: string }[];
  for (const r of routes) if (r.dst !== 'default' && !/^mts\d+$/.test(r.dev ?? '')) blocks.push(r.dst);
  return blocks.filter((b) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(b));
}

/**
 * Removes everything of slot `slot`: the processes still in its namespaces
 * (SIGKILL: they are this cluster's, and a namespace with processes in it
 * outlives `ip netns del`), the namespaces, veth links, bridge and blkio cgroups.
 */
export async function destroySlot(slot: number): Promise<void> {
  const prefix = `mts${slot}`;
  const namespaces = (await run('ip', ['netns', 'list']))
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(`${prefix}-`));
  for (const ns of namespaces) {
    const pids = (await run('ip', ['netns', 'pids', ns]).catch(() => '')).split('\n').filter((p) => /^\d+$/.test(p));
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await runIgnoring(GONE, 'ip', ['netns', 'del', ns]);
  }
  const links = JSON.parse(await run('ip', ['-j', 'link', 'show'])) as { ifname: string }[];
  for (const l of links) if (l.ifname.startsWith(`${prefix}v`) && /^\d+$/.test(l.ifname.slice(prefix.length + 1))) await runIgnoring(GONE, 'ip', ['link', 'del', l.ifname]);
  removeCgroups(prefix);
  await runIgnoring(GONE, 'ip', ['link', 'del', prefix]);
}

/** The blkio cgroups `mts<slot>-*` (slow-disk faults): their processes back to the root group, then removed. */
function removeCgroups(prefix: string): void {
  if (!existsSync(BLKIO_ROOT)) return;
  for (const name of readdirSync(BLKIO_ROOT)) {
    if (!name.startsWith(`${prefix}-`)) continue;
    const dir = join(BLKIO_ROOT, name);
    try {
      for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter((p) => p !== '')) {
        try {
          writeFileSync(join(BLKIO_ROOT, 'cgroup.procs'), pid);
        } catch {
          // exited meanwhile
        }
      }
      rmdirSync(dir);
    } catch {
      // gone already
    }
  }
}

/** Removes what a previous `local` on this work dir left (it crashed, or was SIGKILLed), if its slot is still its own. */
export async function cleanupStale(workDir: string, log: (line: string) => void): Promise<void> {
  const state = readState(workDir);
  if (state === undefined) return;
  const alias = await bridgeAlias(state.plan.bridge);
  if (alias !== undefined && !alias.endsWith(`id=${state.id}`)) {
    log(`netns: slot ${state.plan.slot} of the previous cluster here is another cluster's now; nothing of it to remove`);
  } else if (alias !== undefined && ownerAlive(alias)) {
    throw new Error(`netns: the cluster in ${workDir} is still running (${alias}); stop it first, or use another --work_dir`);
  } else {
    log(`netns: removing what the previous cluster in ${workDir} left (namespaces ${state.plan.prefix}-*, bridge ${state.plan.bridge})`);
    await destroySlot(state.plan.slot);
  }
  rmSync(join(workDir, STATE_FILE), { force: true });
  rmSync(join(workDir, FAULTS_FILE), { force: true });
  rmSync(join(workDir, FAULTS_FILE), { force: true });
}

/** Claims a free slot (its bridge created and named ours), writes the state file, makes every namespace. */
export async function createNetwork(workDir: string, id: string, names: readonly string[], log: (line: string) => void): Promise<NetnsState> {
  const inUse = await rootBlocks();
  const free = new Set(freeSlots(inUse));
  for (let slot = 0; slot < SLOTS; slot++) {
    if (!free.has(slot)) continue;
    const plan = planNetwork(slot, names);
    const alias = await bridgeAlias(plan.bridge);
    const holder = slotHolder(alias, ownerAlive);
    if (holder === 'held') continue;
    if (holder === 'stale') {
      log(`netns: slot ${slot} was held by a cluster no longer running (${alias}); removing what it left`);
      await destroySlot(slot);
    }
    try {
      await run('ip', ['link', 'add', plan.bridge, 'type', 'bridge']);
    } catch (err) {
      if (err instanceof ToolError && /File exists/.test(err.stderr)) continue; // another cluster claimed it just now
      throw err;
    }
    const state: NetnsState = { id, plan };
    writeFileSync(join(workDir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
    try {
      await build(plan, id);
    } catch (err) {
      await destroySlot(slot).catch(() => {});
      rmSync(join(workDir, STATE_FILE), { force: true });
      throw err;
    }
    return state;
  }
  throw new Error(`netns: no free /${SLOT_PREFIX_LENGTH} in 192.0.2.0/24 or 198.51.100.0/24 (each is taken by a running cluster or overlaps an address or route of this machine: ip -4 route)`);
}

async function build(plan: NetworkPlan, id: string): Promise<void> {
  // A slot left by a cluster that crashed before its bridge went: its namespaces go first.
  const stale = (await run('ip', ['netns', 'list'])).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${plan.prefix}-`));
  for (const ns of stale) await runIgnoring(GONE, 'ip', ['netns', 'del', ns]);
  await run('ip', ['link', 'set', 'dev', plan.bridge, 'alias', ownerAlias(id)]);
  await run('ip', ['addr', 'add', `${plan.bridgeIp}/${SLOT_PREFIX_LENGTH}`, 'dev', plan.bridge]);
  await run('ip', ['link', 'set', 'dev', plan.bridge, 'up']);
  for (const n of plan.nodes) {
    await run('ip', ['netns', 'add', n.netns]);
    await run('ip', ['link', 'add', n.hostLink, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.netns]);
    await run('ip', ['link', 'set', 'dev', n.hostLink, 'master', plan.bridge, 'up']);
    await run('ip', ['-n', n.netns, 'addr', 'add', `${n.ip}/${SLOT_PREFIX_LENGTH}`, 'dev', 'eth0']);
    await run('ip', ['-n', n.netns, 'link', 'set', 'dev', 'eth0', 'up']);
    await run('ip', ['-n', n.netns, 'link', 'set', 'dev', 'lo', 'up']);
  }
}

/** Removes the cluster's network when it stops, unless its slot has become another's meanwhile. */
export async function destroyNetwork(workDir: string, state: NetnsState): Promise<void> {
  const alias = await bridgeAlias(state.plan.bridge);
  if (alias === undefined || alias.endsWith(`id=${state.id}`)) await destroySlot(state.plan.slot);
  rmSync(join(workDir, STATE_FILE), { force: true });
  rmSync(join(workDir, FAULTS_FILE), { force: true });
}
