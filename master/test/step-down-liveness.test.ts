// A master that steps down because a registry write did not commit in time
// (WRITE_TIMEOUT_MS) gives up the log's leadership too: its replica becomes a
// follower, the masters elect again, someone serves (nobody did before: the
// replica kept leading and heartbeating, so no other could be elected), and
// the one that stepped down votes and can lead again. Three HA masters in one
// process, simulated network, virtual clock.
import { describe, expect, test } from '@jest/globals';
import { WRITE_TIMEOUT_MS } from '../registrar/registrar.js';
import { HaCluster, retarget } from './helpers/ha-cluster.js';

describe('after a write-timeout step-down', () => {
  // Seed 31: the master that stepped down is elected again; seed 32: another is, and it follows.
  test.each([31, 32])('the replica resigns, a master serves again, and the one that stepped down rejoins, electable (seed %i)', async (seed) => {
    const c = new HaCluster(3, seed, { reregisterTimeoutMs: 60_000 });
    try {
      await c.startAll();
      const first = await c.awaitLeader();
      const agent = await c.agent(first, { resources: 'cpus:1;mem:256' });
      await c.until(() => agent.agentId !== undefined);
      await c.clock.advance(200);

      // The leader's registry writes hang (a stalled disk, a backlog): nothing it writes commits, its lease holds.
      const registrar = c.nodes[first]!.ha!.registrar;
      const write = registrar.write.bind(registrar);
      registrar.write = () => new Promise(() => {});
      const late = await c.agent(first, { resources: 'cpus:1;mem:256' });
      await c.clock.advance(WRITE_TIMEOUT_MS + 100);
      expect(c.nodes[first]!.ha!.leading).toBe(false);
      expect(late.agentId).toBeUndefined();
      // The stall ends; the replica that stepped down is a follower, not a leader no master serves.
      registrar.write = write;
      expect(c.nodes[first]!.ha!.replica.status().role).not.toBe('leader');

      const second = await c.awaitLeader(10_000);
      const log = (i: number): { role: string; leader?: string | undefined } => c.nodes[i]!.ha!.replica.status();
      // Agents find the leader again (the late one registers, the first one re-registers).
      for (const a of [agent, late]) retarget(a, c.masterPid(second));
      agent.register();
      late.register();
      await c.until(() => late.agentId !== undefined && c.nodes[second]!.ha!.master!.state.agents.size === 2);

      if (second !== first) {
        // The one that stepped down follows the new leader; with it, the new leader's death leaves a quorum that elects.
        await c.until(() => log(first).role === 'follower' && log(first).leader !== undefined);
        await c.kill(second);
        const third = await c.awaitLeader(10_000);
        expect(third).not.toBe(second);
      } else {
        // It was elected again itself: it leads a new term, and serves.
        expect(c.nodes[first]!.ha!.terms.length).toBe(2);
      }
    } finally {
      await c.stop();
    }
  });
});
