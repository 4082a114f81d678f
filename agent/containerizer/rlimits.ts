/**
 * POSIX resource limits (Mesos's RLimitInfo): parsed from a ContainerInfo's
 * `rlimit_info`, applied to the container's main process before it execs (the
 * launcher helper calls setrlimit(2) itself, before it drops to the task's
 * user; the spawn launcher and the fork server go through util-linux `prlimit`).
 *
 * As in Mesos: a limit gives both `soft` and `hard` (soft <= hard) or neither,
 * which means unlimited; a type appears at most once.
 */

/** The Linux resource names, as `RLMT_<NAME>` in Mesos's protocol and `RLIMIT_<NAME>` in C. */
export const RLIMIT_NAMES = [
  'AS', 'CORE', 'CPU', 'DATA', 'FSIZE', 'LOCKS', 'MEMLOCK', 'MSGQUEUE', 'NICE', 'NOFILE', 'NPROC', 'RSS', 'RTPRIO', 'RTTIME', 'SIGPENDING', 'STACK',
] as const;
export type RLimitName = (typeof RLIMIT_NAMES)[number];

/** The protocol's enum numbers (RLimitInfo.RLimit.Type), for frameworks that send numbers. */
const BY_NUMBER: readonly RLimitName[] = RLIMIT_NAMES;

export interface RLimit {
  name: RLimitName;
  /** null: unlimited (RLIM_INFINITY). Decimal strings: limits can exceed 2^53. */
  soft: string | null;
  hard: string | null;
}

function limitValue(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  if (typeof v === 'string' && /^[0-9]{1,20}$/.test(v) && BigInt(v) < 2n ** 64n - 1n) return BigInt(v).toString();
  throw new Error(`${where} must be a non-negative integer below 2^64-1, got ${JSON.stringify(v)}`);
}

function limitName(v: unknown, where: string): RLimitName {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= BY_NUMBER.length) return BY_NUMBER[v - 1]!;
  if (typeof v === 'string') {
    const bare = v.replace(/^RLMT_/, '').replace(/^RLIMIT_/, '');
    if ((RLIMIT_NAMES as readonly string[]).includes(bare)) return bare as RLimitName;
  }
  throw new Error(`${where} must be one of ${RLIMIT_NAMES.map((n) => `RLMT_${n}`).join(', ')}, got ${JSON.stringify(v)}`);
}

/**
 * ContainerInfo.rlimit_info → the limits, or throws naming what is wrong
 * (the agent turns it into TASK_ERROR).
 */
export function parseRLimitInfo(info: unknown, where = 'container.rlimit_info'): RLimit[] {
  if (info === undefined || info === null) return [];
  if (typeof info !== 'object' || Array.isArray(info)) throw new Error(`${where} must be an object {rlimits: [...]}`);
  const list = (info as { rlimits?: unknown }).rlimits;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new Error(`${where}.rlimits must be an array`);
  const out: RLimit[] = [];
  for (const [i, r] of list.entries()) {
    const at = `${where}.rlimits[${i}]`;
    if (typeof r !== 'object' || r === null) throw new Error(`${at} must be an object {type, soft, hard}`);
    const o = r as Record<string, unknown>;
    const name = limitName(o.type, `${at}.type`);
    if (out.some((x) => x.name === name)) throw new Error(`${at}: RLMT_${name} is given twice`);
    const soft = limitValue(o.soft, `${at}.soft`);
    const hard = limitValue(o.hard, `${at}.hard`);
    if ((soft === undefined) !== (hard === undefined)) {
      throw new Error(`${at} (RLMT_${name}): give both soft and hard, or neither for unlimited`);
    }
    if (soft !== undefined && hard !== undefined && BigInt(soft) > BigInt(hard)) {
      throw new Error(`${at} (RLMT_${name}): soft limit ${soft} is above the hard limit ${hard}`);
    }
    out.push({ name, soft: soft ?? null, hard: hard ?? null });
  }
  return out;
}

/** `NAME:soft:hard,...` ("inf" for unlimited): what the launcher helper reads from MESOS_TS_RLIMITS. */
export function encodeRLimits(limits: readonly RLimit[]): string {
  return limits.map((l) => `${l.name}:${l.soft ?? 'inf'}:${l.hard ?? 'inf'}`).join(',');
}

/** util-linux prlimit's options for the same limits (`--nofile=soft:hard`). */
export function prlimitArgs(limits: readonly RLimit[]): string[] {
  return ['prlimit', ...limits.map((l) => `--${l.name.toLowerCase()}=${l.soft ?? 'unlimited'}:${l.hard ?? 'unlimited'}`), '--'];
}
