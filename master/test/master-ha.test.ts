import { describe, test, expect } from '@jest/globals';
import { HaCluster, Prober, retarget } from './helpers/ha-cluster.js';
import { commandTask } from './helpers/peers.js';
import { ledger } from './helpers/cluster.js';

describe('masters with high availability (3 masters, replicated registry)', () => {
  test('one leader serves; the others answer not_leader with its PID, and HTTP 307 to it', async () => {
    const c = new HaCluster(3, 7);
    await c.startAll();
    const leader = await c.awaitLeader();
    await c.clock.advance(500);
    expect(c.leaders()).toEqual([leader]);
    const follower = (leader + 1) % 3;
    const leaderPid = c.masterPid(leader).toString();
    expect(c.nodes[follower]!.ha!.leader()).toBe(leaderPid);

    const res = await c.http(follower, '/master/state');
    expect(res.status).toBe(307);
    expect(res.headers?.['location']).toBe(`http://${c.nodes[leader]!.address}/master/state`);
    const top = await c.http(follower, '/state');
    expect(top.headers?.['location']).toBe(`http://${c.nodes[leader]!.address}/state`);
    expect((await c.http(leader, '/master/state')).status).toBe(200);
    // The classic endpoints too, /master/quota/<role> included; /master/redirect gives the leader's protocol-relative base.
    for (const path of ['/master/quota/eng', '/master/weights', '/master/teardown', '/master/state.json']) expect([path, (await c.http(follower, path)).headers?.['location']]).toEqual([path, `http://${c.nodes[leader]!.address}${path}`]);
    expect((await c.http(follower, '/master/redirect')).headers?.['location']).toBe(`//${c.nodes[leader]!.address}`);

    const r = await c.runtime('probe');
    const prober = new Prober();
    r.spawn(prober, 'probe');
    prober.ask(c.masterPid(follower).toString());
    await c.clock.advance(50);
    expect(prober.answers).toHaveLength(1);
    expect(prober.answers[0]!.leader).toBe(leaderPid);

    // An agent that registers with a follower is told, and is admitted by the leader.
    const agent = await c.agent(follower, { resources: 'cpus:2;mem:1024' });
    await c.clock.advance(50);
    expect(agent.agentId).toBeUndefined();
    retarget(agent, c.masterPid(leader));
    agent.register();
    await c.until(() => agent.agentId !== undefined);
    expect(agent.named('agent_registered')[0]!.term).toBe(c.nodes[leader]!.ha!.replica.status().term);
    // The admission is in every replica's registry.
    await c.clock.advance(200);
    for (const n of c.nodes) expect([...n.ha!.registrar.registry.agents.keys()]).toEqual([agent.agentId]);
    await c.stop();
  });

  test('a standby tells those it answered when a leader is elected, the winner and the loser alike (no polling)', async () => {
    const c = new HaCluster(3, 11);
    await c.startAll();
    const leader = await c.awaitLeader();
    const survivors = [0, 1, 2].filter((i) => i !== leader);
    const r = await c.runtime('probe');
    const probers = survivors.map((i) => {
      const p = new Prober();
      r.spawn(p, `probe${i}`);
      return p;
    });
    await c.kill(leader);
    // Each survivor is asked once, right after the leader died (it still names the dead leader, or none).
    survivors.forEach((i, k) => probers[k]!.ask(c.masterPid(i).toString()));
    await c.clock.advance(20);
    expect(probers.map((p) => p.answers.length)).toEqual([1, 1]);
    const elected = await c.awaitLeader(10_000);
    await c.clock.advance(50);
    const named = c.masterPid(elected).toString();
    // Neither asked again, and both heard who leads: the loser named the winner, the winner named itself.
    for (const p of probers) expect(p.answers.at(-1)!.leader).toBe(named);
    expect(probers.map((p) => p.answers.length)).toEqual([2, 2]);
    // Heard once: nothing more while the leader stays.
    await c.clock.advance(3_000);
    expect(probers.map((p) => p.answers.length)).toEqual([2, 2]);
    await c.stop();
  });

  test('SIGKILL of the leader: a new leader knows frameworks and agents at once, tasks as their agents re-register; the task ends and its update is delivered once', async () => {
    const c = new HaCluster(3, 11, { reregisterTimeoutMs: 60_000 });
    await c.startAll();
    const leader = await c.awaitLeader();
    const agent = await c.agent(leader, { resources: 'cpus:4;mem:4096' });
    const lost = await c.agent(leader, { resources: 'cpus:1;mem:512' });
    const scheduler = await c.scheduler(leader, { failover_timeout: 3600 });
    await c.until(() => scheduler.frameworkId !== undefined && agent.agentId !== undefined && lost.agentId !== undefined);
    await c.clock.advance(1500);
    const offer = [...scheduler.offers.values()].find((o) => o.agent_id.value === agent.agentId)!;
    scheduler.launch(offer, [commandTask('t1', offer, 'cpus:1;mem:128', 'sleep 100')]);
    const lostOffer = [...scheduler.offers.values()].find((o) => o.agent_id.value === lost.agentId)!;
    scheduler.launch(lostOffer, [commandTask('t2', lostOffer, 'cpus:1;mem:128', 'sleep 100')]);
    await c.until(() => scheduler.states('t1').includes('TASK_RUNNING') && scheduler.states('t2').includes('TASK_RUNNING'));
    await c.clock.advance(100);

    const oldTerm = c.nodes[leader]!.ha!.replica.status().term;
    await c.kill(leader);
    const next = await c.awaitLeader(5000);
    expect(next).not.toBe(leader);
    const ha = c.nodes[next]!.ha!;
    expect(ha.replica.status().term).toBeGreaterThan(oldTerm);
    const m = ha.master!;
    // Known at once, before anyone reconnects: the framework (recovered, not connected) and both agents
    // (recovered, not yet re-registered). Tasks are not in the registry: they come back with their agents.
    const fw = m.state.frameworks.get(scheduler.frameworkId!)!;
    expect(fw).toBeDefined();
    expect(fw.connected).toBe(false);
    expect(fw.tasks.size).toBe(0);
    expect(ha.term!.pendingAgents.size).toBe(2);
    const state = JSON.parse(((await c.http(next, '/master/state')) as { body: string }).body);
    expect(state.frameworks[0].recovered).toBe(true);
    expect(m.recoveredAgents().map((a) => a.id).sort()).toEqual([agent.agentId, lost.agentId].sort());
    expect(m.metrics()['master/recovered_agents']).toBe(2);

    // The agent re-registers with the new leader (its update for t1 is still unacknowledged), the scheduler resubscribes.
    retarget(agent, c.masterPid(next));
    agent.register();
    retarget(scheduler, c.masterPid(next));
    scheduler.subscribe();
    await c.clock.advance(100);
    expect(m.state.agents.get(agent.agentId!)?.tasks.get(scheduler.frameworkId!)?.get('t1')?.state).toBe('TASK_RUNNING');
    expect(fw.tasks.get('t1')?.state).toBe('TASK_RUNNING');
    expect(m.isRecovered(fw.id)).toBe(false);
    expect(m.recoveredAgents().map((a) => a.id)).toEqual([lost.agentId]);
    const after = JSON.parse(((await c.http(next, '/master/state')) as { body: string }).body);
    expect(after.frameworks[0].tasks.map((t: { id: string }) => t.id)).toEqual(['t1']);
    expect(agent.named('agent_reregistered').at(-1)!.term).toBe(ha.replica.status().term);
    expect(fw.connected).toBe(true);
    const before = scheduler.statuses('t1').length;
    agent.update('t1', 'TASK_FINISHED');
    await c.until(() => scheduler.states('t1').includes('TASK_FINISHED'));
    await c.clock.advance(100);
    expect(scheduler.statuses('t1').length).toBe(before + 1);
    expect(agent.acks.filter((a) => a.startsWith('t1:'))).toHaveLength(2); // RUNNING (old leader) + FINISHED (new)
    expect(ledger({ master: m, allocator: ha.allocator! })).toEqual([]);

    // The agent that never comes back is unreachable after the re-registration timeout: frameworks hear agent_lost,
    // and reconciliation answers for the task the master never saw again (as Mesos, which keeps agents, not tasks).
    await c.clock.advance(60_000);
    expect(m.state.unreachableAgents.has(lost.agentId!)).toBe(true);
    expect(scheduler.named('agent_lost').map((e) => e.agent_id.value)).toContain(lost.agentId);
    scheduler.call('reconcile', { framework_id: scheduler.fw, tasks: [{ task_id: { value: 't2' }, agent_id: { value: lost.agentId! } }] });
    await c.until(() => scheduler.states('t2').includes('TASK_LOST'));
    expect(scheduler.statuses('t2').at(-1)?.reason).toBe('REASON_RECONCILIATION');
    // The registry has the unreachable agent.
    await c.clock.advance(200);
    const reg = ha.registrar.registry;
    expect(reg.unreachable.has(lost.agentId!)).toBe(true);
    expect(reg.agents.has(agent.agentId!)).toBe(true);
    await c.stop();
  });

  test('a partitioned leader stops serving at its lease; the majority elects another; the old one redirects once healed', async () => {
    const c = new HaCluster(3, 5);
    await c.startAll();
    const leader = await c.awaitLeader();
    const agent = await c.agent(leader, { resources: 'cpus:1;mem:256' });
    await c.until(() => agent.agentId !== undefined);
    c.network.isolate(c.nodes[leader]!.address);
    await c.clock.advance(300);
    expect(c.nodes[leader]!.ha!.leading).toBe(false);
    expect((await c.http(leader, '/master/state')).status).toBe(503);
    const next = await c.awaitLeader(5000, leader);
    expect(next).not.toBe(leader);
    c.network.heal();
    await c.clock.advance(500);
    expect(c.leaders()).toEqual([next]);
    const res = await c.http(leader, '/master/state');
    expect(res.status).toBe(307);
    expect(res.headers?.['location']).toBe(`http://${c.nodes[next]!.address}/master/state`);
    // The new leader knows the agent from the registry.
    expect(c.nodes[next]!.ha!.term!.pendingAgents.has(agent.agentId!)).toBe(true);
    await c.stop();
  });

  test('the registry snapshots the log every N entries and a new leader rebuilds from the snapshot', async () => {
    const c = new HaCluster(3, 3, { snapshotEvery: 5 });
    await c.startAll();
    const leader = await c.awaitLeader();
    const agents = [];
    // One admission per entry (admissions of one turn would share one).
    for (let i = 0; i < 8; i++) {
      agents.push(await c.agent(leader, { resources: 'cpus:1;mem:128' }));
      await c.clock.advance(20);
    }
    await c.clock.advance(500);
    const ha = c.nodes[leader]!.ha!;
    expect(ha.registrar.snapshotsTaken).toBeGreaterThan(0);
    expect(ha.replica.status().firstIndex).toBeGreaterThan(1);
    await c.kill(leader);
    const next = await c.awaitLeader(5000);
    expect(c.nodes[next]!.ha!.term!.pendingAgents.size).toBe(8);
    await c.stop();
  });

  test('a full disk at the leader: its replica stops, and its master stops serving at once (no split brain); another leads with the registry', async () => {
    const c = new HaCluster(3, 13);
    await c.startAll();
    const leader = await c.awaitLeader();
    const agent = await c.agent(leader, { resources: 'cpus:1;mem:256' });
    await c.until(() => agent.agentId !== undefined);
    await c.clock.advance(200);
    // The disk fills up: every write of this replica fails from now on.
    const storage = c.nodes[leader]!.storage;
    storage.apply = () => {
      throw new Error('ENOSPC: no space left on device');
    };
    const other = await c.agent(leader, { resources: 'cpus:1;mem:256' });
    await c.clock.advance(50);
    expect(c.nodes[leader]!.ha!.leading).toBe(false);
    expect(other.agentId).toBeUndefined();
    const next = await c.awaitLeader(5000, leader);
    expect(c.leaders()).toEqual([next]);
    expect(c.nodes[next]!.ha!.term!.pendingAgents.has(agent.agentId!)).toBe(true);
    await c.stop();
  });

  test('registrar metrics: registry size, writes and their rate, state fetch and store times', async () => {
    const c = new HaCluster(3, 17);
    await c.startAll();
    const leader = await c.awaitLeader();
    for (let i = 0; i < 3; i++) {
      await c.agent(leader, { resources: 'cpus:1;mem:128' });
      await c.clock.advance(20);
    }
    await c.clock.advance(200);
    const metrics = c.nodes[leader]!.ha!.master!.metrics();
    expect(metrics['registrar/registry_agents']).toBe(3);
    expect(metrics['registrar/writes']).toBeGreaterThanOrEqual(3);
    expect(metrics['registrar/writes_per_second']).toBeGreaterThan(0);
    expect(metrics['registrar/registry_size_bytes']).toBeGreaterThan(0);
    expect(metrics['registrar/write_failures']).toBe(0);
    expect(metrics['registrar/entries_skipped']).toBe(0);
    expect(metrics).toHaveProperty('registrar/state_fetch_ms');
    expect(metrics).toHaveProperty('registrar/state_store_ms');
    expect(metrics['master/recovered_agents']).toBe(0);
    await c.stop();
  });

  test('a new leader restores the registry in slices, each its own turn of the loop', async () => {
    const c = new HaCluster(3, 19, { recoverySliceRecords: 2 });
    await c.startAll();
    const leader = await c.awaitLeader();
    const agents = [];
    for (let i = 0; i < 6; i++) {
      agents.push(await c.agent(leader, { resources: 'cpus:1;mem:128' }));
      await c.clock.advance(20);
    }
    await c.clock.advance(200);
    await c.kill(leader);
    const next = await c.awaitLeader(5000);
    const term = c.nodes[next]!.ha!.term!;
    await c.until(() => term.recovered);
    expect(term.recoverySlices).toBeGreaterThanOrEqual(3);
    expect(term.pendingAgents.size + c.nodes[next]!.ha!.master!.state.agents.size).toBe(6);
    await c.stop();
  });

  test('the registry keeps the principal a framework subscribed as: after a failover it resubscribes under it, and another principal is refused', async () => {
    const secrets = new Map([
      ['cluster', 'cluster-secret'],
      ['fw', 'fw-secret'],
      ['mallory', 'mallory-secret'],
    ]);
    const c = new HaCluster(3, 23, { auth: { principal: 'cluster', secret: 'cluster-secret', secrets, required: false } });
    await c.startAll();
    const leader = await c.awaitLeader();
    const scheduler = await c.scheduler(leader, { failover_timeout: 3600 }, { principal: 'fw', secret: 'fw-secret' });
    await c.until(() => scheduler.frameworkId !== undefined);
    await c.clock.advance(200);
    expect(c.nodes[(leader + 1) % 3]!.ha!.registrar.registry.frameworks.get(scheduler.frameworkId!)?.principal).toBe('fw');
    await c.kill(leader);
    const next = await c.awaitLeader(5000, leader);
    const fw = c.nodes[next]!.ha!.master!.state.frameworks.get(scheduler.frameworkId!)!;
    await c.until(() => fw !== undefined);
    // Another principal with the framework's id is refused; its own principal gets it back.
    const thief = await c.scheduler(next, { failover_timeout: 3600, id: { value: scheduler.frameworkId! } }, { principal: 'mallory', secret: 'mallory-secret' });
    thief.frameworkId = scheduler.frameworkId;
    thief.subscribe();
    await c.clock.advance(50);
    expect(fw.connected).toBe(false);
    retarget(scheduler, c.masterPid(next));
    scheduler.subscribe();
    await c.until(() => fw.connected);
    expect(fw.principal).toBe('fw');
    await c.stop();
  });
});
