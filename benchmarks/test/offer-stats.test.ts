// The offer benchmark's latency join: each offer of an agent ends the wait of every freeing on
// it since its previous offer, measured from the earliest of them; freeings still waiting at
// the end of the window are censored (counted), not dropped.
import { describe, expect, test } from '@jest/globals';
import { offerLatencyStats, percentile } from '../offers/stats.js';
import { plotSvg } from '../offers/plot.js';

describe('offerLatencyStats', () => {
  test('joins freed resources and offers per agent, from the earliest un-offered freeing', () => {
    const freed: [string, number][] = [['a', 100], ['a', 105], ['b', 200], ['a', 300]];
    const offers: [string, number][] = [
      ['a', 50], // before anything was freed: the initial offer, not counted
      ['a', 110], // ends the waits of 100 and 105: 10 ms, from the earliest
      ['a', 120], // nothing freed since 110: not counted
      ['b', 212],
      ['a', 301],
    ];
    expect(offerLatencyStats(freed, offers, 400)).toEqual({ latencies: [1, 10, 12], censored: 0, censored_max_wait_ms: 0, censored_agents: [] });
  });

  test('a freeing no offer followed is censored, with its wait at the end of the window', () => {
    const freed: [string, number][] = [['a', 100], ['b', 150], ['b', 160], ['c', 390]];
    const offers: [string, number][] = [['a', 104]];
    const s = offerLatencyStats(freed, offers, 400);
    expect(s.latencies).toEqual([4]);
    expect(s.censored).toBe(2);
    expect(s.censored_max_wait_ms).toBe(250);
    // Named, the longest wait first (the benchmark asks the master about them).
    expect(s.censored_agents).toEqual(['b', 'c']);
  });

  test('an offer stamped before a freeing never closes it (no negative latency)', () => {
    const s = offerLatencyStats([['a', 100]], [['a', 99]], 200);
    expect(s.latencies).toEqual([]);
    expect(s.censored).toBe(1);
  });
});

describe('percentile and the plot', () => {
  test('nearest rank; NaN when empty', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    expect(percentile([1, 2, 3, 4], 0)).toBe(1);
    expect(Number.isNaN(percentile([], 99))).toBe(true);
  });

  test('the plot', () => {
    const svg = plotSvg([{ agents: 1000, offer_latency_ms_p50: 2, offer_latency_ms_p99: 12, launch_overhead_ms: 10 }, { agents: 10000, offer_latency_ms_p50: 3, offer_latency_ms_p99: 20, launch_overhead_ms: 25 }]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(3);
  });
});
