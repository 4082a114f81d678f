/**
 * Where a `local --hosts=netns` cluster lives on the network: pure data, no I/O.
 *
 * The documentation ranges 192.0.2.0/24 and 198.51.100.0/24 (RFC 5737) are cut
 * into 32 slots of /28. A cluster holds one slot: its bridge in the root
 * namespace takes the slot's first address, node i the next ones (13 nodes
 * at most). Every name the cluster makes starts with its prefix `mts<slot>`,
 * and the bridge is named by the prefix alone: creating the bridge is how a
 * slot is claimed (the kernel refuses a second link of the same name), so two
 * clusters (or two test files) on one machine never share a name or a subnet.
 */

export const SLOT_PREFIX_LENGTH = 28;
const SLOT_SIZE = 16;
/** Addresses of a /28 a node can take: all but the network, the bridge and the broadcast address. */
export const MAX_NODES = SLOT_SIZE - 3;
const RANGES = ['192.0.2', '198.51.100'] as const;
export const SLOTS = RANGES.length * (256 / SLOT_SIZE);

export interface NodePlan {
  /** `master1`, `agent2`: the name commands use (`local exec agent2 -- ...`). */
  readonly name: string;
  /** The network namespace, `ip netns exec <netns>`. */
  readonly netns: string;
  readonly ip: string;
  /** The root-namespace end of its veth pair, enslaved to the bridge (inside, the other end is `eth0`). */
  readonly hostLink: string;
}

export interface NetworkPlan {
  readonly slot: number;
  /** Every name made starts with it; the bridge has exactly this name. */
  readonly prefix: string;
  readonly bridge: string;
  readonly bridgeIp: string;
  /** `a.b.c.d/28`. */
  readonly subnet: string;
  readonly nodes: readonly NodePlan[];
}

/** The network address of slot `slot` (0..SLOTS-1). */
export function slotBase(slot: number): { range: string; offset: number } {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS) throw new Error(`netns slot ${slot}: expected 0..${SLOTS - 1}`);
  const perRange = 256 / SLOT_SIZE;
  return { range: RANGES[Math.floor(slot / perRange)]!, offset: (slot % perRange) * SLOT_SIZE };
}

const NODE_NAME = /^[a-z][a-z0-9]{0,9}$/;

export function planNetwork(slot: number, names: readonly string[]): NetworkPlan {
  if (names.length === 0) throw new Error('a netns cluster needs at least one node');
  if (names.length > MAX_NODES) throw new Error(`--hosts=netns: ${names.length} nodes do not fit a /${SLOT_PREFIX_LENGTH} (at most ${MAX_NODES} masters and agents together)`);
  const seen = new Set<string>();
  for (const n of names) {
    if (!NODE_NAME.test(n)) throw new Error(`node name '${n}': expected a lowercase letter then up to 9 lowercase letters or digits`);
    if (seen.has(n)) throw new Error(`node name '${n}' given twice`);
    seen.add(n);
  }
  const { range, offset } = slotBase(slot);
  const prefix = `mts${slot}`;
  return {
    slot,
    prefix,
    bridge: prefix,
    bridgeIp: `${range}.${offset + 1}`,
    subnet: `${range}.${offset}/${SLOT_PREFIX_LENGTH}`,
    // Link names are at most 15 characters: the prefix (at most 5) and the node's index.
    nodes: names.map((name, i) => ({ name, netns: `${prefix}-${name}`, ip: `${range}.${offset + 2 + i}`, hostLink: `${prefix}v${i}` })),
  };
}

/** `a.b.c.d` as a 32-bit number. */
function ipNumber(ip: string): number {
  const parts = ip.split('.').map(Number);
  return (((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!) >>> 0;
}

/** Whether two CIDR blocks (`a.b.c.d/n`; a bare address is a /32) share an address. */
export function overlaps(a: string, b: string): boolean {
  const block = (cidr: string): [number, number] => {
    const [ip, len] = cidr.split('/');
    const bits = len === undefined ? 32 : Number(len);
    const size = 2 ** (32 - bits);
    const start = Math.floor(ipNumber(ip!) / size) * size;
    return [start, start + size - 1];
  };
  const [a0, a1] = block(a);
  const [b0, b1] = block(b);
  return a0 <= b1 && b0 <= a1;
}

/**
 * The slots whose /28 no address or route of the root namespace touches
 * (`inUse`: CIDR blocks, e.g. this machine's 192.0.2.2/24 on eth0, then only
 * 198.51.100.0/24 is left), in order.
 */
export function freeSlots(inUse: readonly string[]): number[] {
  const free: number[] = [];
  for (let s = 0; s < SLOTS; s++) {
    const { range, offset } = slotBase(s);
    const subnet = `${range}.${offset}/${SLOT_PREFIX_LENGTH}`;
    if (!inUse.some((c) => overlaps(c, subnet))) free.push(s);
  }
  return free;
}

/**
 * Who holds a slot, from its bridge's alias (undefined: no bridge): `free`; `held` by a running cluster, or by one
 * claiming it right now (a bridge is made before build() names it, so an empty alias is a claim under way, never
 * a dead cluster's); `stale` when the cluster that named it is no longer running (what it left may be removed).
 */
export function slotHolder(alias: string | undefined, ownerAlive: (alias: string) => boolean): 'free' | 'held' | 'stale' {
  if (alias === undefined) return 'free';
  if (alias === '' || ownerAlive(alias)) return 'held';
  return 'stale';
}
