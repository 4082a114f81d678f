/**
 * One whole-cluster run from one seed: the cluster starts, a chaos phase
 * draws faults from the seed (network loss, duplication, reordering and
 * delay; partitions of one node, of a master from the other masters, one
 * way; crashes and restarts of masters, agents and schedulers, with and
 * without disk loss; framework teardown), with the safety invariants checked
 * after every step; then a quiet phase heals everything (partitions gone,
 * every node back, no faults) and the liveness invariants must hold at its
 * end. A failing run says which invariant broke and how to replay it.
 */
import { Random } from 'libprocess-ts';
import type { Timing } from '../master/log/types.js';
import { Cluster, type SimNode } from './cluster.js';
import { Invariants, Violation } from './invariants.js';
import type { Mutations } from './mutations.js';
import { staleLeaderEpisode, type EpisodeHost } from './stale-leader.js';

/** Fault rates: network probabilities per message, the others per second of virtual time. */
export interface FaultRates {
  readonly loss: number;
  readonly duplicate: number;
  readonly reorder: number;
  readonly partitionPerSec: number;
  readonly crashMasterPerSec: number;
  readonly crashAgentPerSec: number;
  readonly crashSchedulerPerSec: number;
  readonly teardownPerSec: number;
  /** Probability that a crash also loses the node's disk. */
  readonly diskLoss: number;
  /**
   * Pauses of a node's process (a GC pause, SIGSTOP, a stopped VM: sim/pause.ts) for 50 ms to 20 s (drawn
   * log-uniformly): it resumes believing what it believed. Drawn from a source of their own, so a run without a
   * pause is the run it was before pauses existed.
   */
  readonly pauseMasterPerSec: number;
  readonly pauseAgentPerSec: number;
  readonly pauseSchedulerPerSec: number;
  /**
   * Stale-leader episodes (sim/stale-leader.ts): the leader pauses, some agents restart and hear its successor, then
   * reach only the paused leader, which answers them with its old term when it resumes. Drawn from a source of their
   * own, as pauses.
   */
  readonly staleLeaderPerSec: number;
}

export const DEFAULT_FAULTS: FaultRates = {
  loss: 0.01,
  duplicate: 0.01,
  reorder: 0.02,
  partitionPerSec: 0.05,
  crashMasterPerSec: 0.03,
  crashAgentPerSec: 0.05,
  crashSchedulerPerSec: 0.03,
  teardownPerSec: 0.005,
  diskLoss: 0.2,
  pauseMasterPerSec: 0.02,
  pauseAgentPerSec: 0.01,
  pauseSchedulerPerSec: 0.01,
  staleLeaderPerSec: 0,
};

/**
 * Every PAUSE_HEAVY_EVERY-th seed of the default schedule pauses its processes PAUSE_HEAVY_SCALE times as often
 * (0.3 master pauses a second): a deposed leader paused while the others elect a successor, then read by an agent
 * before it hears of the newer term, needs several faults to overlap, which the default pause rates draw in almost
 * no seed; so a sweep of the default schedule (and `make test`'s seeds) covers the stale-term paths too
 * (`dropTermCheck`, `forgetTerm`: test/mutations.test.ts). Only when the fault rates are not given.
 */
export const PAUSE_HEAVY_EVERY = 4;
export const PAUSE_HEAVY_SCALE = 15;
/**
 * The seeds half-way between two pause-heavy ones (2, 6, 10, ...) draw stale-leader episodes at this rate (about
 * two in the 12 s of chaos): a deposed leader answering agents that restarted and heard its successor, which the
 * plain rates (and the pause-heavy ones, for an agent's restart) almost never line up.
 */
export const STALE_LEADER_PER_SEC = 0.15;

/**
 * The fault rates of the default schedule for `seed`: DEFAULT_FAULTS; for every PAUSE_HEAVY_EVERY-th seed frequent
 * pauses; for the seeds half-way between those, stale-leader episodes.
 */
export function defaultFaults(seed: number): FaultRates {
  if (seed % PAUSE_HEAVY_EVERY === 0) return withPauses(DEFAULT_FAULTS, PAUSE_HEAVY_SCALE);
  if (seed % PAUSE_HEAVY_EVERY === PAUSE_HEAVY_EVERY / 2) return { ...DEFAULT_FAULTS, staleLeaderPerSec: STALE_LEADER_PER_SEC };
  return DEFAULT_FAULTS;
}

/** The default rates times `scale` (probabilities capped at 1). */
export function scaleFaults(scale: number): FaultRates {
  const f = DEFAULT_FAULTS;
  const p = (x: number): number => Math.min(1, x * scale);
  return { loss: p(f.loss), duplicate: p(f.duplicate), reorder: p(f.reorder), partitionPerSec: f.partitionPerSec * scale, crashMasterPerSec: f.crashMasterPerSec * scale, crashAgentPerSec: f.crashAgentPerSec * scale, crashSchedulerPerSec: f.crashSchedulerPerSec * scale, teardownPerSec: f.teardownPerSec * scale, diskLoss: f.diskLoss, pauseMasterPerSec: f.pauseMasterPerSec * scale, pauseAgentPerSec: f.pauseAgentPerSec * scale, pauseSchedulerPerSec: f.pauseSchedulerPerSec * scale, staleLeaderPerSec: f.staleLeaderPerSec * scale };
}

/** `f` with the pause rates set to the defaults times `scale` (`--pauses`), whatever the other rates. */
export function withPauses(f: FaultRates, scale: number): FaultRates {
  const d = DEFAULT_FAULTS;
  return { ...f, pauseMasterPerSec: d.pauseMasterPerSec * scale, pauseAgentPerSec: d.pauseAgentPerSec * scale, pauseSchedulerPerSec: d.pauseSchedulerPerSec * scale };
}

export const NO_FAULTS: FaultRates = { loss: 0, duplicate: 0, reorder: 0, partitionPerSec: 0, crashMasterPerSec: 0, crashAgentPerSec: 0, crashSchedulerPerSec: 0, teardownPerSec: 0, diskLoss: 0, pauseMasterPerSec: 0, pauseAgentPerSec: 0, pauseSchedulerPerSec: 0, staleLeaderPerSec: 0 };

export interface SimOptions {
  readonly seed: number;
  readonly agents: number;
  readonly frameworks: number;
  readonly agentResources: string;
  /** Virtual ms of faults, then of healing. */
  readonly chaosMs: number;
  readonly quietMs: number;
  /** Virtual ms between two safety checks (and two fault draws). */
  readonly stepMs: number;
  /** Fault rates (default: `defaultFaults(seed)`, the mixed default schedule). */
  readonly faults: FaultRates;
  readonly mutations: Mutations;
  readonly traceLines: number;
  /** How long a chaos-phase task runs, ms (drawn). */
  readonly taskRunMs: readonly [number, number];
  /** The masters' offer timeout, ms. */
  readonly offerTimeoutMs: number;
  /**
   * The masters' heartbeat interval, s: a scheduler whose master stepped down and whose one not_leader was lost
   * hears of it only when two heartbeats are missed (remote links do not fire when a process ends, only when its
   * runtime goes), so healing takes at least twice this.
   */
  readonly heartbeatSeconds: number;
  /** The masters' agent pings: every `agentPingTimeoutMs`, unreachable after `maxAgentPingTimeouts` missed (default 3 s and 3; Mesos's 15 s and 5). */
  readonly agentPingTimeoutMs?: number;
  readonly maxAgentPingTimeouts?: number;
  /** After the quiet phase, how much longer liveness may take to hold (checked every virtual second). */
  readonly livenessGraceMs: number;
  /** The share of tasks run by a custom executor (the SDK's ExecutorDriver, sim/executor.ts) instead of as commands (default 0.5). */
  readonly executorShare?: number;
  /** How long a framework declines an offer it cannot use for, s (refuse_seconds; default 1, Mesos's default is 5). */
  readonly declineSeconds?: number;
  /** The masters' replicated-log timing (default: the log's own, faster than real masters' HA_MASTER_TIMING). */
  readonly masterTiming?: Partial<Timing>;
}

/**
 * Sized so that `make test` runs 200 seeds in well under a minute on 2 cores (about 0.2 s of CPU a seed):
 * 12 s of faults, then 30 s to heal (frameworks back within ~10 s, lost offers timed out after 4 s, the chaos
 * tasks over within 4 s, DRF fills the cluster within a few allocation cycles).
 */
export const DEFAULT_SIM: Omit<SimOptions, 'seed' | 'faults'> = {
  agents: 3,
  frameworks: 2,
  agentResources: 'cpus:2;mem:1024;disk:1000',
  chaosMs: 12_000,
  quietMs: 30_000,
  stepMs: 100,
  mutations: {},
  traceLines: 3000,
  taskRunMs: [300, 4_000],
  offerTimeoutMs: 4_000,
  heartbeatSeconds: 3,
  livenessGraceMs: 75_000,
  executorShare: 0.5,
};

export interface SimResult {
  readonly seed: number;
  readonly ok: boolean;
  /** The invariant that broke and how. */
  readonly violation?: string;
  readonly phase?: 'chaos' | 'quiet' | 'liveness';
  /** Hash of the whole event trace: equal for two runs of one seed. */
  readonly hash: string;
  readonly events: number;
  readonly virtualMs: number;
  readonly wallMs: number;
  /** CPU time of the whole Node process during the run (user + system; meaningful when it runs one seed at a time). */
  readonly cpuMs: number;
  readonly counts: Record<string, number>;
  /** The last events before the end (a violation), one a line. */
  timeline(lines?: number): string;
}

interface Pending {
  readonly at: number;
  readonly what: () => Promise<void> | void;
}

export function replayCommand(seed: number, options: Partial<SimOptions> = {}): string {
  const extra: string[] = [];
  if (options.agents !== undefined && options.agents !== DEFAULT_SIM.agents) extra.push(`--agents=${options.agents}`);
  if (options.frameworks !== undefined && options.frameworks !== DEFAULT_SIM.frameworks) extra.push(`--frameworks=${options.frameworks}`);
  if (options.chaosMs !== undefined && options.chaosMs !== DEFAULT_SIM.chaosMs) extra.push(`--chaos-ms=${options.chaosMs}`);
  if (options.quietMs !== undefined && options.quietMs !== DEFAULT_SIM.quietMs) extra.push(`--quiet-ms=${options.quietMs}`);
  if (options.executorShare !== undefined && options.executorShare !== DEFAULT_SIM.executorShare) extra.push(`--executor-share=${options.executorShare}`);
  if (options.faults !== undefined && options.faults !== DEFAULT_FAULTS) {
    const ratio = (x: number, d: number): number => Math.round((x / d) * 1000) / 1000;
    const scale = ratio(options.faults.loss, DEFAULT_FAULTS.loss);
    const pauses = ratio(options.faults.pauseMasterPerSec, DEFAULT_FAULTS.pauseMasterPerSec);
    const stale = options.faults.staleLeaderPerSec;
    const want = { ...withPauses(scaleFaults(scale), pauses), staleLeaderPerSec: stale };
    const same = (Object.keys(want) as (keyof FaultRates)[]).every((k) => Math.abs(want[k] - options.faults![k]) < 1e-9);
    if (!same) extra.push('(custom fault rates: see the test that ran it)');
    else {
      if (scale !== 1) extra.push(`--faults=${scale}`);
      if (pauses !== scale) extra.push(`--pauses=${pauses}`);
      if (stale !== 0) extra.push(`--stale-leaders=${stale}`);
    }
  }
  const m = Object.entries(options.mutations ?? {}).find(([, v]) => v === true);
  if (m !== undefined) extra.push(`--mutation=${m[0]}`);
  return `make sim-replay SEED=${seed}${extra.length > 0 ? ` ARGS="${extra.join(' ')}"` : ''}`;
}

export async function runSeed(seed: number, given: Partial<Omit<SimOptions, 'seed'>> = {}): Promise<SimResult> {
  const o: SimOptions = { ...DEFAULT_SIM, ...given, seed, faults: given.faults ?? defaultFaults(seed) };
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const inv = new Invariants();
  const c = new Cluster({ seed, agents: o.agents, frameworks: o.frameworks, agentResources: o.agentResources, maxTasksPerFramework: 1000, mutations: o.mutations, traceLines: o.traceLines, taskRunMs: o.taskRunMs, offerTimeoutMs: o.offerTimeoutMs, heartbeatSeconds: o.heartbeatSeconds, executorShare: o.executorShare, ...(o.declineSeconds !== undefined ? { declineSeconds: o.declineSeconds } : {}), ...(o.masterTiming !== undefined ? { masterTiming: o.masterTiming } : {}), ...(o.agentPingTimeoutMs !== undefined ? { agentPingTimeoutMs: o.agentPingTimeoutMs } : {}), ...(o.maxAgentPingTimeouts !== undefined ? { maxAgentPingTimeouts: o.maxAgentPingTimeouts } : {}) }, inv);
  inv.attach(c);
  const r = c.random.fork(); // the faults' own source
  const rp = new Random((seed ^ 0x5a17_9e37) >>> 0); // the pauses' own (so a run without one is unchanged by them)
  const rs = new Random((seed ^ 0x3c6e_f372) >>> 0); // the stale-leader episodes' own
  const t0 = c.clock.now();
  const pending: Pending[] = [];
  let phase: SimResult['phase'] = 'chaos';
  let wipedAt = -Infinity;

  const later = (ms: number, what: () => Promise<void> | void): void => {
    pending.push({ at: c.clock.now() + ms, what });
  };
  const chance = (perSec: number): boolean => r.chance(perSec * (o.stepMs / 1000));
  const partitions: { until: number; apply: () => void; text: string }[] = [];
  const applyPartitions = (): void => {
    c.network.heal();
    for (const p of partitions) p.apply();
  };
  const addPartition = (text: string, apply: () => void, ms: number): void => {
    const until = c.clock.now() + ms;
    partitions.push({ until, apply, text });
    c.trace.note(`partition: ${text} for ${(ms / 1000).toFixed(1)} s`);
    apply();
  };

  // A crash lands anywhere within its step (not on the 100 ms grid the faults are drawn on), so it can fall between
  // any two events: a write and its fsync, an update and its acknowledgement.
  let crashError: unknown;
  const crashWithin = (node: SimNode): void => {
    c.clock.timer(r.int(o.stepMs), () => {
      crash(node).catch((e: unknown) => (crashError ??= e));
    });
  };
  const crash = async (node: SimNode): Promise<void> => {
    let wipe = r.chance(o.faults.diskLoss);
    if (node.kind === 'master' && wipe) {
      // A master may lose its disk only while the two others are up and caught up (else the log may lose committed entries, which 3 replicas do not promise).
      const others = c.masters.filter((m) => m !== node);
      wipe = others.every((m) => m.ha !== undefined && m.ha.replica.status().voter) && c.clock.now() - wipedAt > 20_000;
      if (wipe) wipedAt = c.clock.now();
    }
    await c.crash(node, wipe);
    later(500 + r.int(8_000), async () => {
      if (node.kind === 'master') await c.startMaster(node);
      else if (node.kind === 'agent') await c.startAgent(node);
      else await c.startScheduler(node);
    });
  };

  const faultStep = async (): Promise<void> => {
    const f = o.faults;
    if (chance(f.partitionPerSec)) {
      const kind = r.int(3);
      const nodes = c.nodes();
      let p: { apply: () => void; text: string };
      if (kind === 0) {
        const n = r.pick(nodes);
        p = { apply: () => c.network.isolate(n.address), text: `isolate ${n.name}` };
      } else if (kind === 1) {
        const m = r.pick(c.masters);
        const others = c.masters.filter((x) => x !== m);
        p = { apply: () => others.forEach((x) => c.network.cut(m.address, x.address)), text: `cut ${m.name} from the other masters` };
      } else {
        const a = r.pick(nodes);
        const b = r.pick(nodes.filter((x) => x !== a));
        // As TCP has it: a's messages to b are lost and reset the connection they went into (never a loss on a
        // connection that then carries on).
        p = { apply: () => c.network.cutOneWay(a.address, b.address, 'reset'), text: `cut ${a.name} -> ${b.name} one way` };
      }
      addPartition(p.text, p.apply, 1_000 + r.int(12_000));
    }
    if (chance(f.crashMasterPerSec)) {
      const up = c.masters.filter((m) => m.runtime !== undefined);
      if (up.length > 0) crashWithin(r.pick(up));
    }
    if (chance(f.crashAgentPerSec)) {
      const up = c.agents.filter((a) => a.runtime !== undefined);
      if (up.length > 0) crashWithin(r.pick(up));
    }
    if (chance(f.crashSchedulerPerSec)) {
      const up = c.schedulers.filter((s) => s.runtime !== undefined);
      if (up.length > 0) crashWithin(r.pick(up));
    }
    if (chance(f.teardownPerSec)) {
      const up = c.schedulers.filter((s) => s.runtime !== undefined && s.framework.driver?.connected === true);
      if (up.length > 0) {
        const s = r.pick(up);
        await c.teardown(s);
        later(500 + r.int(3_000), () => c.startScheduler(s));
      }
    }
  };

  // A node's process pauses (sim/pause.ts) at a drawn instant of the step, for 50 ms to 20 s (log-uniform), then
  // resumes believing what it believed: a deposed leader that has not heard of its successor yet.
  const pauseStep = (): void => {
    const f = o.faults;
    for (const [nodes, perSec] of [[c.masters, f.pauseMasterPerSec], [c.agents, f.pauseAgentPerSec], [c.schedulers, f.pauseSchedulerPerSec]] as const) {
      if (!rp.chance(perSec * (o.stepMs / 1000))) continue;
      const up = (nodes as readonly SimNode[]).filter((n) => n.runtime !== undefined && n.pause?.paused !== true);
      if (up.length === 0) continue;
      const node = rp.pick(up);
      const ms = Math.round(50 * Math.pow(400, rp.float()));
      c.clock.timer(rp.int(o.stepMs), () => pauseNow(node, ms));
    }
  };
  const pauseNow = (node: SimNode, ms: number): void => {
    const p = node.pause;
    if (node.runtime === undefined || p === undefined || p.paused) return;
    c.trace.note(`pause ${node.name} for ${(ms / 1000).toFixed(2)} s`);
    p.pause();
    c.clock.timer(ms, () => node.pause === p && resume(node)); // not a later incarnation (crashed meanwhile)
  };
  const episodes: EpisodeHost = {
    cluster: c,
    chaos: () => phase === 'chaos',
    pause: pauseNow,
    partition: addPartition,
    restart: (node, afterMs) => {
      c.crash(node, false)
        .then(() => c.clock.timer(afterMs, () => void (phase === 'chaos' ? c.startAgent(node).catch((e: unknown) => (crashError ??= e)) : undefined)))
        .catch((e: unknown) => (crashError ??= e));
    },
  };
  const episodeStep = (): void => {
    if (o.faults.staleLeaderPerSec > 0 && rs.chance(o.faults.staleLeaderPerSec * (o.stepMs / 1000))) staleLeaderEpisode(episodes, rs);
  };
  const resume = (node: SimNode): void => {
    if (node.pause?.paused !== true) return;
    c.trace.note(`resume ${node.name}`);
    node.pause.resume(rp);
  };

  const runPending = async (): Promise<void> => {
    const now = c.clock.now();
    const expired = partitions.filter((p) => p.until <= now);
    if (expired.length > 0) {
      for (const p of expired) {
        partitions.splice(partitions.indexOf(p), 1);
        c.trace.note(`partition healed: ${p.text}`);
      }
      applyPartitions();
    }
    const due = pending.filter((p) => p.at <= now);
    for (const p of due) {
      pending.splice(pending.indexOf(p), 1);
      await p.what();
    }
  };

  let violation: Violation | undefined;
  // An error nobody catches (a promise of the code under test rejecting) is a failure of this seed, not of the process.
  let unhandled: Error | undefined;
  const onUnhandled = (e: unknown): void => {
    unhandled ??= e instanceof Error ? e : new Error(String(e));
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    await c.startAll();
    c.network.setFaults({ loss: o.faults.loss, duplicate: o.faults.duplicate, reorder: o.faults.reorder, latencyMs: [1, 5] });
    const chaosEnd = t0 + o.chaosMs;
    while (c.clock.now() < chaosEnd && inv.violation === undefined) {
      await faultStep();
      pauseStep();
      episodeStep();
      await runPending();
      await c.clock.advance(o.stepMs);
      if (crashError !== undefined) throw crashError;
      inv.step();
    }
    if (inv.violation !== undefined) throw inv.violation;
    // Quiet: everything heals.
    phase = 'quiet';
    c.trace.note('quiet phase: faults off, partitions healed, every node restarts');
    c.network.setFaults({ loss: 0, duplicate: 0, reorder: 0 });
    partitions.length = 0;
    c.network.heal();
    pending.length = 0;
    for (const n of c.nodes()) resume(n);
    for (const m of c.masters) await c.startMaster(m);
    for (const a of c.agents) await c.startAgent(a);
    for (const s of c.schedulers) await c.startScheduler(s);
    const quietEnd = c.clock.now() + o.quietMs;
    let steady = false;
    let allBackAt: number | undefined;
    while (c.clock.now() < quietEnd && inv.violation === undefined) {
      await c.clock.advance(o.stepMs * 10);
      inv.step();
      await c.operatorTeardowns();
      // Once every framework is back and the offers lost in the chaos have timed out, new tasks run until killed:
      // as the short ones end, DRF shares out the cluster.
      if (steady) continue;
      if (!c.schedulers.every((s) => s.framework.driver?.connected === true)) allBackAt = undefined;
      else if (allBackAt === undefined) allBackAt = c.clock.now();
      else if (c.clock.now() - allBackAt > o.offerTimeoutMs) {
        steady = true;
        c.trace.note('every framework subscribed, lost offers timed out: tasks launched from now on run until killed');
        for (const s of c.schedulers) s.framework.steady = true;
      }
    }
    if (inv.violation === undefined) {
      phase = 'liveness';
      // Healing has a bound, not a date: an agent that tried masters while none led waits out its registration
      // backoff (up to a minute, as Mesos's); keep going, still checking safety, until everything holds or the bound.
      let problems = inv.liveness();
      const bound = c.clock.now() + o.livenessGraceMs;
      while (problems.length > 0 && c.clock.now() < bound && inv.violation === undefined) {
        await c.clock.advance(1000);
        inv.step();
        await c.operatorTeardowns();
        problems = inv.liveness();
      }
      if (inv.violation !== undefined) throw inv.violation;
      if (problems.length > 0) {
        for (const p of problems) c.trace.note(`LIVENESS ${p}`);
        violation = new Violation('liveness after healing', problems.join('; '));
        c.trace.freeze();
      }
    }
  } catch (e) {
    if (!(e instanceof Violation)) violation = new Violation('the simulation itself', (e as Error).stack ?? String(e));
  }
  process.off('unhandledRejection', onUnhandled);
  if (unhandled !== undefined && violation === undefined && inv.violation === undefined) violation = new Violation('no unhandled error', unhandled.stack ?? unhandled.message);
  violation = inv.violation ?? violation;
  const result: SimResult = {
    seed,
    ok: violation === undefined,
    ...(violation !== undefined ? { violation: violation.message, phase } : {}),
    hash: c.trace.hash,
    events: c.trace.events,
    virtualMs: c.clock.now() - t0,
    wallMs: performance.now() - started,
    cpuMs: ((u) => (u.user + u.system) / 1000)(process.cpuUsage(cpuStarted)),
    counts: { ...inv.counts, ...c.network.counters },
    timeline: (lines?: number) => c.trace.timeline(lines),
  };
  await c.stop();
  return result;
}
