/**
 * The web farm's scaling rule, as plain data in and out (no I/O, no timers):
 * given the load measured on each instance (requests/s), how many instances
 * to run. Up at once when the average is above the target; down only when the
 * average has stayed below `downFraction` of the target for `downAfter`
 * polls in a row (hysteresis: no flapping around the target); never outside
 * [min, max]; nothing while a previous change is still settling (`cooldown`).
 */

export interface AutoscalerPolicy {
  /** Requests/s one instance should serve. */
  targetRps: number;
  min: number;
  max: number;
  /** Scale down when the average is below this fraction of the target (default 0.6). */
  downFraction?: number;
  /** ...for this many polls in a row (default 3). */
  downAfter?: number;
  /** Polls to skip after a change (default 2): new instances need time to take load. */
  cooldown?: number;
}

export interface AutoscalerState {
  lowPolls: number;
  cooldownLeft: number;
}

export interface Decision {
  desired: number;
  reason: string;
  state: AutoscalerState;
}

export function validatePolicy(p: AutoscalerPolicy): void {
  if (!(Number.isFinite(p.targetRps) && p.targetRps > 0)) throw new Error(`targetRps must be a positive number, got ${p.targetRps}`);
  if (!Number.isInteger(p.min) || p.min < 0) throw new Error(`min must be a non-negative integer, got ${p.min}`);
  if (!Number.isInteger(p.max) || p.max < Math.max(1, p.min)) throw new Error(`max must be an integer >= min and >= 1, got ${p.max}`);
  const f = p.downFraction ?? 0.6;
  if (!(f > 0 && f < 1)) throw new Error(`downFraction must be between 0 and 1, got ${f}`);
}

export const initialState = (): AutoscalerState => ({ lowPolls: 0, cooldownLeft: 0 });

/**
 * `running`: instances up now; `loads`: the rates measured from those that
 * answered (the total is taken as their average times `running`).
 */
export function decide(p: AutoscalerPolicy, running: number, loads: readonly number[], state: AutoscalerState): Decision {
  const clamp = (n: number): number => Math.min(p.max, Math.max(p.min, n));
  if (running < p.min || running > p.max) return { desired: clamp(running), reason: `outside [${p.min}, ${p.max}]`, state: { lowPolls: 0, cooldownLeft: p.cooldown ?? 2 } };
  if (state.cooldownLeft > 0) return { desired: running, reason: 'cooling down', state: { lowPolls: 0, cooldownLeft: state.cooldownLeft - 1 } };
  if (loads.length === 0 || running === 0) return { desired: clamp(running), reason: 'no measurements', state: { ...state, lowPolls: 0 } };
  const average = loads.reduce((a, b) => a + b, 0) / loads.length;
  const total = average * running;
  const needed = clamp(Math.ceil(total / p.targetRps));
  const fmt = (x: number): string => x.toFixed(1);
  if (average > p.targetRps && needed > running) {
    return { desired: needed, reason: `average ${fmt(average)} rps > target ${p.targetRps}: ${fmt(total)} rps needs ${needed}`, state: { lowPolls: 0, cooldownLeft: p.cooldown ?? 2 } };
  }
  const low = average < p.targetRps * (p.downFraction ?? 0.6) && needed < running;
  if (!low) return { desired: running, reason: `average ${fmt(average)} rps within the band`, state: { lowPolls: 0, cooldownLeft: 0 } };
  const lowPolls = state.lowPolls + 1;
  if (lowPolls < (p.downAfter ?? 3)) return { desired: running, reason: `average ${fmt(average)} rps low for ${lowPolls} poll(s)`, state: { lowPolls, cooldownLeft: 0 } };
  return { desired: needed, reason: `average ${fmt(average)} rps below ${fmt(p.targetRps * (p.downFraction ?? 0.6))} for ${lowPolls} polls: ${fmt(total)} rps needs ${needed}`, state: { lowPolls: 0, cooldownLeft: p.cooldown ?? 2 } };
}
