/**
 * The allocator's metrics with Mesos's names (docs/monitoring.md,
 * "Allocator"), for the master's /metrics/snapshot and /metrics:
 *
 *   allocator/mesos/event_queue_dispatches       what waits in its mailbox
 *   allocator/mesos/allocation_runs              allocation cycles run
 *   allocator/mesos/allocation_run_ms[/...]      how long a cycle took (a timer: the last value,
 *                                                and count, min, max, p50 ... p9999 of the last 1,000)
 *   allocator/mesos/allocation_run_latency_ms[/...]  from when a cycle was due to when it ran
 *   allocator/mesos/roles/<role>/shares/dominant
 *   allocator/mesos/offer_filters/roles/<role>/active
 *   allocator/mesos/resources/<name>/total, .../offered_or_allocated
 *   allocator/mesos/quota/roles/<role>/resources/<name>/guarantee, .../limit, .../offered_or_allocated
 */
import type { AllocatorCore } from './core.js';

const PERCENTILES: readonly [string, number][] = [['p50', 0.5], ['p90', 0.9], ['p95', 0.95], ['p99', 0.99], ['p999', 0.999], ['p9999', 0.9999]];

/** A libprocess-style timer: the last value, and a window of the last `size` samples. */
export class TimerMetric {
  readonly #samples: number[] = [];
  #next = 0;
  #count = 0;
  #last: number | undefined;

  constructor(readonly size = 1000) {}

  record(ms: number): void {
    this.#last = ms;
    this.#count++;
    if (this.#samples.length < this.size) this.#samples.push(ms);
    else this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % this.size;
  }

  /** `<name>` (the last value, once there is one), `<name>/count`, and min, max and percentiles of the window. */
  into(out: Record<string, number>, name: string): void {
    out[`${name}/count`] = this.#count;
    if (this.#last === undefined) return;
    out[name] = this.#last;
    const sorted = [...this.#samples].sort((a, b) => a - b);
    out[`${name}/min`] = sorted[0]!;
    out[`${name}/max`] = sorted[sorted.length - 1]!;
    for (const [p, q] of PERCENTILES) out[`${name}/${p}`] = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  }
}

const PREFIX = 'allocator/mesos';

/** Every allocator metric, from the core's books and what the process recorded. */
export function allocatorMetrics(core: AllocatorCore, recorded: { runs: number; runMs: TimerMetric; latencyMs: TimerMetric; queued: number }): Record<string, number> {
  const out: Record<string, number> = {};
  out[`${PREFIX}/event_queue_dispatches`] = recorded.queued;
  out[`${PREFIX}/allocation_runs`] = recorded.runs;
  recorded.runMs.into(out, `${PREFIX}/allocation_run_ms`);
  recorded.latencyMs.into(out, `${PREFIX}/allocation_run_latency_ms`);
  const totals = core.totals();
  const allocated: Record<string, number> = {};
  const filters = core.filtersByRole();
  for (const r of core.roleInfo()) {
    out[`${PREFIX}/roles/${r.role}/shares/dominant`] = r.share;
    out[`${PREFIX}/offer_filters/roles/${r.role}/active`] = filters.get(r.role) ?? 0;
    for (const [name, v] of Object.entries(r.allocated)) allocated[name] = (allocated[name] ?? 0) + v;
    if (r.quota !== undefined) {
      for (const [name, v] of Object.entries(r.quota.guarantees)) out[`${PREFIX}/quota/roles/${r.role}/resources/${name}/guarantee`] = v;
      for (const [name, v] of Object.entries(r.quota.limits)) out[`${PREFIX}/quota/roles/${r.role}/resources/${name}/limit`] = v;
      for (const name of new Set([...Object.keys(r.quota.guarantees), ...Object.keys(r.quota.limits)])) out[`${PREFIX}/quota/roles/${r.role}/resources/${name}/offered_or_allocated`] = r.allocated[name] ?? 0;
    }
  }
  for (const name of ['cpus', 'mem', 'disk', 'gpus', ...Object.keys(totals)]) {
    out[`${PREFIX}/resources/${name}/total`] = totals[name] ?? 0;
    out[`${PREFIX}/resources/${name}/offered_or_allocated`] = allocated[name] ?? 0;
  }
  return out;
}
