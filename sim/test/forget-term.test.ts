// The fencing invariant across an agent's restart, on the real cluster: an agent heard term 2, crashed and came back
// with its disk; the deposed leader of term 1, paused meanwhile and cut from the other masters, resumes and answers
// the agent's re-registration first. The real agent recovers term 2 from its checkpoint and ignores it; with
// `forgetTerm` (its disk, as the sim gives it, reads master_term as absent) it follows the deposed leader back, which
// the invariant must catch, since it keeps what an agent machine heard across restarts. The default schedule's
// stale-leader episodes (stale-leader.ts) draw these faults together too: mutations.test.ts pins a seed.
import { describe, expect, test } from '@jest/globals';
import { Cluster, type MasterNode } from '../cluster.js';
import { Invariants } from '../invariants.js';
import type { Mutations } from '../mutations.js';

async function scenario(mutations: Mutations): Promise<{ violation: string | undefined; staleAnswers: number; timeline: string }> {
  const inv = new Invariants();
  const c = new Cluster({ seed: 5, agents: 1, frameworks: 0, agentResources: 'cpus:1;mem:256', maxTasksPerFramework: 0, mutations, taskRunMs: [100, 200], offerTimeoutMs: 4_000, heartbeatSeconds: 3 }, inv);
  inv.attach(c);
  const [a1] = c.agents;
  // Registrations of term 1 the restarted agent reads (the deposed leader's answers).
  let restarted = false;
  let staleAnswers = 0;
  const watch = c.onMessage;
  c.onMessage = (from, to, e) => {
    if (restarted && to === a1!.address && /^agent_(re)?registered$/.test(e.name) && (e.body as { term?: number }).term === 1) staleAnswers++;
    watch(from, to, e);
  };
  const until = async (what: string, cond: () => boolean, ms = 60_000): Promise<void> => {
    for (let t = 0; t < ms && !cond(); t += 100) await c.clock.advance(100);
    if (!cond()) throw new Error(`not reached in ${ms} virtual ms: ${what}\n${c.trace.timeline(40)}`);
  };
  const registeredWith = (m: MasterNode): boolean => a1!.agent?.master.toString() === `master@${m.address}` && (a1!.agent?.registrations ?? 0) > 0 && m.ha?.master?.state.agents.size === 1;
  try {
    await c.startAll();
    await until('a leader of term 1 with the agent registered', () => c.leaders().length === 1 && registeredWith(c.leaders()[0]!));
    const old = c.leaders()[0]!;
    const others = c.masters.filter((m) => m !== old);
    // The leader pauses, cut from the other masters (it hears nothing of their election); they elect a successor.
    for (const m of others) c.network.cut(old.address, m.address);
    old.pause!.pause();
    await until('a successor leads and the agent re-registered with it', () => c.leaders().some((m) => m !== old && registeredWith(m)));
    const successor = c.leaders().find((m) => m !== old)!;
    expect(successor.ha!.leading).toBe(true);
    // The agent crashes (its disk kept) and comes back reaching only the paused leader; it reregisters there.
    for (const m of others) c.network.cut(a1!.address, m.address);
    await c.crash(a1!);
    await c.startAgent(a1!);
    restarted = true;
    await c.clock.advance(3_000);
    // The deposed leader resumes: the agent's re-registration is what it reads.
    old.pause!.resume(c.random.fork());
    await c.clock.advance(3_000);
    inv.step();
    return { violation: inv.violation?.message, staleAnswers, timeline: c.trace.timeline(30) };
  } finally {
    await c.stop();
  }
}

describe('forgetting the checkpointed master term is caught after a restart', () => {
  test('with forgetTerm the restarted agent follows the deposed leader back: a fencing violation', async () => {
    const r = await scenario({ forgetTerm: true });
    expect(r.staleAnswers).toBeGreaterThan(0);
    expect(r.violation).toMatch(/^an agent follows no master of an older term: a1 registered with master@m\d:5050 of term 1 after hearing from a master of term [2-9]$/);
  }, 60_000);

  test('the real agent recovers its term and ignores the deposed leader', async () => {
    const r = await scenario({});
    if (r.violation !== undefined) console.log(r.timeline);
    expect(r.staleAnswers).toBeGreaterThan(0); // it was offered the same stale registration
    expect(r.violation).toBeUndefined();
  }, 60_000);
});
