// The chaos test's invariants, checked over its history (pure: events in, verdicts out). They are
// the simulation's (sim/invariants.ts), seen from outside: through the framework's log, the
// masters' own lines, their /master/state and the agents' /state.
import { isTerminal } from '../../protocol/task-states.js';

export type Scalars = Readonly<Record<string, number>>;

export type ChaosEvent =
  | { t: number; src: 'framework'; ev: 'launch'; task: string; agent: string }
  | { t: number; src: 'framework'; ev: 'update'; task: string; state: string; uuid: string | null; agent: string | null }
  | { t: number; src: 'framework'; ev: 'done' | 'drained' | 'stopping'; open?: string[] }
  | { t: number; src: 'framework'; ev: 'reconcile'; tasks: string[] }
  | { t: number; src: 'framework'; ev: 'registered' | 'reregistered' | 'disconnected' | 'error'; message?: string }
  | { t: number; src: 'leader'; master: string; term: number }
  | { t: number; src: 'state'; master: string; agents: { id: string; total: Scalars; offered: Scalars; used: Scalars }[] }
  | { t: number; src: 'agents'; running: Record<string, string[]> }
  | { t: number; src: 'nemesis'; op: string; detail: string }
  | { t: number; src: 'heal'; detail: string };

export interface Verdict {
  readonly invariant: string;
  readonly ok: boolean;
  /** What broke, one line each (empty when ok). */
  readonly problems: readonly string[];
}

const SCALARS = ['cpus', 'mem', 'disk', 'gpus'] as const;

export function check(history: readonly ChaosEvent[]): Verdict[] {
  const verdict = (invariant: string, problems: string[]): Verdict => ({ invariant, ok: problems.length === 0, problems });

  // One leader per term: no two masters said they lead the same term.
  const leaders = new Map<number, string>();
  const twoLeaders: string[] = [];
  for (const e of history) {
    if (e.src !== 'leader') continue;
    const was = leaders.get(e.term);
    if (was !== undefined && was !== e.master) twoLeaders.push(`term ${e.term}: led by ${was} and by ${e.master}`);
    leaders.set(e.term, e.master);
  }

  // Offered plus used never exceeds an agent's total (every state the leader served).
  const overOffered: string[] = [];
  for (const e of history) {
    if (e.src !== 'state') continue;
    for (const a of e.agents) {
      for (const k of SCALARS) {
        const sum = (a.offered[k] ?? 0) + (a.used[k] ?? 0);
        if (sum > (a.total[k] ?? 0) + 1e-9) overOffered.push(`${e.master} at ${e.t}: agent ${a.id} has ${k} ${a.offered[k] ?? 0} offered + ${a.used[k] ?? 0} used > ${a.total[k] ?? 0}`);
      }
    }
  }

  // No task duplicated: never running on two agents; at the end, on at most one agent.
  // Every acknowledged update delivered once: the framework never got the same (task, uuid) twice.
  // No task lost: every launched task ended at the framework, and no agent still runs an ended one.
  const runningOn = new Map<string, string>();
  const duplicated: string[] = [];
  const redelivered: string[] = [];
  const seen = new Set<string>();
  const launched = new Set<string>();
  const ended = new Map<string, string>();
  const afterEnd: string[] = [];
  for (const e of history) {
    if (e.src !== 'framework') continue;
    if (e.ev === 'launch') launched.add(e.task);
    if (e.ev !== 'update') continue;
    if (e.uuid !== null) {
      const key = `${e.task}/${e.uuid}`;
      if (seen.has(key)) redelivered.push(`task ${e.task}: update ${e.state} (uuid ${e.uuid}) delivered again after it was acknowledged`);
      seen.add(key);
    }
    if (e.state === 'TASK_RUNNING' && e.agent !== null) {
      const was = runningOn.get(e.task);
      if (was !== undefined && was !== e.agent) duplicated.push(`task ${e.task} running on ${was} and on ${e.agent}`);
      runningOn.set(e.task, e.agent);
    }
    const end = ended.get(e.task);
    // After its end a task has nothing more to say, bar the same end again (a redelivery, or a reconciliation answer).
    if (end !== undefined && e.state !== end) afterEnd.push(`task ${e.task}: ${e.state} after it ended ${end}`);
    if (isTerminal(e.state as never) && end === undefined) ended.set(e.task, e.state);
  }
  const lost: string[] = [];
  for (const t of launched) if (!ended.has(t)) lost.push(`task ${t} was launched and never ended at the framework`);
  const final = [...history].reverse().find((e): e is Extract<ChaosEvent, { src: 'agents' }> => e.src === 'agents');
  if (final !== undefined) {
    const where = new Map<string, string[]>();
    for (const [agent, tasks] of Object.entries(final.running)) for (const t of tasks) where.set(t, [...(where.get(t) ?? []), agent]);
    for (const [t, agents] of where) {
      if (agents.length > 1) duplicated.push(`task ${t} still runs on ${agents.join(' and ')} at the end`);
      if (ended.has(t)) lost.push(`task ${t} ended ${ended.get(t)} at the framework but still runs on ${agents.join(', ')} at the end`);
      else if (!launched.has(t)) lost.push(`task ${t} runs on ${agents.join(', ')} but the framework never launched it`);
    }
  }
  return [
    verdict('one leader per term', twoLeaders),
    verdict('offered plus used never exceeds an agent', overOffered),
    verdict('no task duplicated', duplicated),
    verdict('no task lost', lost),
    verdict('every acknowledged update delivered once', redelivered),
    verdict('no update after a terminal one', afterEnd),
  ];
}

/** Counts for the report: tasks launched, ended by state, leader terms, faults. */
export function summarize(history: readonly ChaosEvent[]): { launched: number; endings: Record<string, number>; terms: number; faults: number } {
  const endings: Record<string, number> = {};
  const ended = new Set<string>();
  let launched = 0;
  const terms = new Set<number>();
  let faults = 0;
  for (const e of history) {
    if (e.src === 'framework' && e.ev === 'launch') launched++;
    if (e.src === 'framework' && e.ev === 'update' && isTerminal(e.state as never) && !ended.has(e.task)) {
      ended.add(e.task);
      endings[e.state] = (endings[e.state] ?? 0) + 1;
    }
    if (e.src === 'leader') terms.add(e.term);
    if (e.src === 'nemesis') faults++;
  }
  return { launched, endings, terms: terms.size, faults };
}

/**
 * For each fault that cut the leader off: how long it went on serving (its last /master/state
 * answered 200 after the cut, to within the poll interval) and how long until a new term was led.
 * For the report, not an invariant: the times are the machine's.
 */
export function leaderCuts(history: readonly ChaosEvent[]): { at: number; master: string; lastServedMs: number | undefined; newLeaderMs: number | undefined }[] {
  const out: { at: number; master: string; lastServedMs: number | undefined; newLeaderMs: number | undefined }[] = [];
  history.forEach((e, i) => {
    if (e.src !== 'nemesis' || !/ \(the leader\)/.test(e.detail)) return;
    if (!e.op.startsWith('isolate-leader') && e.op !== 'asymmetric-leader') return;
    const master = /(master\d+) \(the leader\)/.exec(e.detail)?.[1];
    if (master === undefined) return;
    // The heal is recorded after its fault; polls and leader lines may be recorded before the fault (it is
    // dated when it began to go in, and recorded once in), so those are taken by time.
    const healAt = history.slice(i + 1).find((x) => x.src === 'heal')?.t ?? Infinity;
    const during = history.filter((x) => x.t >= e.t && x.t < healAt);
    const served = during.filter((x) => x.src === 'state' && x.master === master);
    const elected = during.find((x) => x.src === 'leader');
    out.push({ at: e.t, master, lastServedMs: served.length > 0 ? served.at(-1)!.t - e.t : undefined, newLeaderMs: elected !== undefined ? elected.t - e.t : undefined });
  });
  return out;
}
