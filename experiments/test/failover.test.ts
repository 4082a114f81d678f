// Failover at tiny scale (10 agents, 3 frameworks, 3 masters): after a SIGKILL of the leader and after a silent
// partition of it, another master leads with every framework and agent back within the window; before the fault
// everyone was connected; the partition, noticed only by timeouts, takes longer than the crash.
import { describe, expect, test } from '@jest/globals';
import { runFailover } from '../failover/run.js';
import { FAILOVER, type FailoverSetup } from '../failover/setup.js';

const setup: FailoverSetup = { ...FAILOVER.quick, agents: 10, frameworks: 3, observeMs: 25_000 };

describe('failover timeline', () => {
  test('SIGKILL and partition of the leader: everyone back at a new leader', async () => {
    const kill = await runFailover(setup, 'sigkill');
    const cut = await runFailover(setup, 'partition');
    for (const r of [kill, cut]) {
      const before = r.samples.filter((s) => s.t <= 0);
      expect(before.length).toBeGreaterThan(0);
      for (const s of before) expect([s.frameworks, s.agents, s.leader]).toEqual([3, 10, r.killed]);
      expect(Number.isFinite(r.newLeaderMs)).toBe(true);
      expect(Number.isFinite(r.mttrMs)).toBe(true);
      expect(r.mttrMs).toBeGreaterThanOrEqual(r.newLeaderMs);
      const end = r.samples[r.samples.length - 1]!;
      expect([end.frameworks, end.agents]).toEqual([3, 10]);
    }
    expect(cut.mttrMs).toBeGreaterThan(kill.mttrMs);
  }, 90_000);
});
