// The offer benchmark's latency join: an offer counts when resources were freed
// on its agent since the agent's previous offer; latency is from the latest
// such freeing.
import { describe, expect, test } from '@jest/globals';
import { offerLatencies, percentile } from '../offers/stats.js';
import { plotSvg } from '../offers/plot.js';

describe('offerLatencies', () => {
  test('joins freed resources and offers per agent', () => {
    const freed: [string, number][] = [['a', 100], ['a', 105], ['b', 200], ['a', 300]];
    const offers: [string, number][] = [
      ['a', 50], // before anything was freed: the initial offer, not counted
      ['a', 110], // 5 ms after the latest freeing (105)
      ['a', 120], // nothing freed since 110: not counted
      ['b', 212],
      ['a', 301],
    ];
    expect(offerLatencies(freed, offers)).toEqual([1, 5, 12]);
  });

  test('percentiles and the plot', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(3);
    expect(Number.isNaN(percentile([], 99))).toBe(true);
    const svg = plotSvg([{ agents: 1000, offer_latency_ms_p50: 2, offer_latency_ms_p99: 12, launch_overhead_ms: 10 }, { agents: 10000, offer_latency_ms_p50: 3, offer_latency_ms_p99: 20, launch_overhead_ms: 25 }]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(3);
  });
});
