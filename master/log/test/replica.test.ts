import { describe, test, expect } from '@jest/globals';
import { Cluster, text } from './cluster.js';
import { NotLeaderError } from '../types.js';

describe('replicas on a simulated network', () => {
  test('3 replicas elect exactly one leader; the others know it; appends commit everywhere', async () => {
    const c = new Cluster(3, 11);
    await c.startAll();
    const { leader, ms } = await c.awaitLeader();
    expect(ms).toBeLessThan(2000);
    await c.clock.advance(200);
    expect(c.leaders()).toEqual([leader]);
    for (let i = 0; i < 3; i++) expect(c.status(i).leader).toBe(c.nodes[leader]!.pid);
    expect(c.nodes[leader]!.events).toEqual([`elected ${c.status(leader).term}`]);
    const r = await c.appendAndWait(leader, text('a'));
    expect(r.term).toBe(c.status(leader).term);
    await c.clock.advance(200);
    for (let i = 0; i < 3; i++) expect(c.committedText(i)).toEqual(['a']);
    // A follower refuses, naming the leader.
    const follower = (leader + 1) % 3;
    const err = await c.append(follower, text('b')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).leader).toBe(c.nodes[leader]!.pid);
    expect((err as Error).message).toContain(`the leader is ${c.nodes[leader]!.pid}`);
    await c.stopAll();
  });

  test('5 replicas elect exactly one leader and batch concurrent appends', async () => {
    const c = new Cluster(5, 12);
    await c.startAll();
    const { leader } = await c.awaitLeader();
    await c.clock.advance(500);
    expect(c.leaders()).toEqual([leader]);
    const results: { index: number }[] = [];
    const all = Array.from({ length: 20 }, (_, k) => c.append(leader, text(`e${k}`)).then((r) => results.push(r)));
    await c.clock.advance(100);
    await Promise.all(all);
    expect(results.map((r) => r.index)).toEqual(Array.from({ length: 20 }, (_, k) => k + 2)); // 1 is the leader's no-op
    await c.clock.advance(200);
    for (let i = 0; i < 5; i++) expect(c.committedText(i)).toHaveLength(20);
    await c.stopAll();
  });

  test('the leader dies: a new one is elected within a second and nothing committed is lost', async () => {
    const c = new Cluster(3, 13);
    await c.startAll();
    const { leader } = await c.awaitLeader();
    for (let k = 0; k < 10; k++) await c.appendAndWait(leader, text(`x${k}`));
    const oldTerm = c.status(leader).term;
    await c.stop(leader);
    const { leader: next, ms } = await c.awaitLeader(3000);
    expect(next).not.toBe(leader);
    expect(ms).toBeLessThan(1000);
    expect(c.status(next).term).toBeGreaterThan(oldTerm);
    expect(c.committedText(next)).toEqual(Array.from({ length: 10 }, (_, k) => `x${k}`));
    await c.appendAndWait(next, text('after'));
    // The old leader comes back (its disk intact) and converges.
    await c.start(leader);
    await c.clock.advance(1000);
    expect(c.status(leader).role).toBe('follower');
    expect(c.committedText(leader)).toEqual([...Array.from({ length: 10 }, (_, k) => `x${k}`), 'after']);
    await c.stopAll();
  });

  test('a leader whose process dies is replaced as soon as its lease allows: the followers see the connection break', async () => {
    // Election timeouts are drawn in [300, 600] ms; a follower that sees the leader's connection
    // break campaigns at electionMinMs + 2 ticks + up to 60 ms after it last heard the leader.
    const times: number[] = [];
    for (const seed of [21, 22, 23, 24, 25, 26]) {
      const c = new Cluster(3, seed);
      await c.startAll();
      const { leader } = await c.awaitLeader();
      await c.appendAndWait(leader, text('x'));
      await c.stop(leader);
      const { leader: next, ms } = await c.awaitLeader(3000);
      expect(next).not.toBe(leader);
      times.push(ms);
      await c.stopAll();
    }
    expect(Math.max(...times)).toBeLessThan(300 + 20 + 60 + 60); // plus the pre-vote and vote round trips
  });

  test('a leader that hands over (a graceful stop) is replaced within a few round trips, not an election timeout', async () => {
    for (const seed of [31, 32, 33]) {
      const c = new Cluster(3, seed);
      await c.startAll();
      const { leader } = await c.awaitLeader();
      await c.appendAndWait(leader, text('x'));
      const term = c.status(leader).term;
      const at = c.clock.now();
      const handedOver = c.nodes[leader]!.replica!.handOver();
      await c.clock.advance(1);
      await handedOver;
      expect(c.status(leader).role).toBe('follower');
      const { leader: next } = await c.awaitLeader(3000, leader);
      const ms = c.clock.now() - at;
      await c.stop(leader);
      expect(next).not.toBe(leader);
      expect(c.status(next).term).toBe(term + 1);
      // Election timeouts are 300-600 ms; without the hand-over, no follower campaigns before 300 ms.
      expect(ms).toBeLessThan(100);
      expect(c.committedText(next)).toEqual(['x']);
      await c.stopAll();
    }
  });

  test('a partitioned leader steps down when its lease expires; the majority elects another; after healing it follows', async () => {
    const c = new Cluster(3, 14);
    await c.startAll();
    const { leader } = await c.awaitLeader();
    await c.appendAndWait(leader, text('before'));
    const oldTerm = c.status(leader).term;
    c.net.isolate(c.address(leader));
    const cutAt = c.clock.now();
    // Still leader inside its lease, then no longer: it stops by itself.
    await c.clock.advance(100);
    expect(c.status(leader).role).toBe('leader');
    while (c.status(leader).role === 'leader') await c.clock.advance(5);
    const steppedDownAfter = c.clock.now() - cutAt;
    expect(steppedDownAfter).toBeLessThanOrEqual(250 + 50 + 10);
    expect(c.nodes[leader]!.events).toEqual([`elected ${oldTerm}`, `demoted ${oldTerm}`]);
    const err = await c.append(leader, text('lost')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    const { leader: next } = await c.awaitLeader(3000, leader);
    expect(c.status(next).term).toBeGreaterThan(oldTerm);
    // The new leader was elected only after the old one stopped leading.
    expect(c.leaders()).toEqual([next]);
    await c.appendAndWait(next, text('during'));
    // The isolated old leader never disrupted terms with its elections (pre-vote).
    expect(c.status(leader).term).toBe(oldTerm);
    c.net.heal();
    await c.clock.advance(1000);
    expect(c.leaders()).toEqual([next]);
    expect(c.status(leader).leader).toBe(c.nodes[next]!.pid);
    expect(c.committedText(leader)).toEqual(['before', 'during']);
    await c.stopAll();
  });

  test('linearizable reads: the leader serves them under its lease without a round of the log; others refuse', async () => {
    const c = new Cluster(3, 17);
    await c.startAll();
    const { leader } = await c.awaitLeader();
    await c.appendAndWait(leader, text('r1'));
    const node = c.nodes[leader]!;
    const sent = c.net.counters.messages_sent;
    const point = await node.runtime!.dispatch(node.replica!, 'linearizableRead');
    expect(point).toEqual({ index: c.status(leader).commitIndex, term: c.status(leader).term, servedBy: 'lease' });
    expect(c.net.counters.messages_sent).toBe(sent); // not a message
    const follower = (leader + 1) % 3;
    const err = await c.nodes[follower]!.runtime!.dispatch(c.nodes[follower]!.replica!, 'linearizableRead').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    // Cut off, the old leader serves no read once its lease is over (it steps down), and never one from after its term.
    c.net.isolate(c.address(leader));
    while (c.status(leader).role === 'leader') await c.clock.advance(5);
    const late = await node.runtime!.dispatch(node.replica!, 'linearizableRead').catch((e: unknown) => e);
    expect(late).toBeInstanceOf(NotLeaderError);
    await c.stopAll();
  });

  test('a lagging replica catches up', async () => {
    const c = new Cluster(3, 15);
    await c.startAll();
    const { leader } = await c.awaitLeader();
    const lagging = (leader + 1) % 3;
    c.net.isolate(c.address(lagging));
    for (let k = 0; k < 300; k++) void c.append(leader, text(`l${k}`));
    await c.clock.advance(500);
    expect(c.status(leader).commitIndex).toBe(301);
    expect(c.status(lagging).commitIndex).toBeLessThanOrEqual(1);
    c.net.heal();
    await c.clock.advance(1000);
    expect(c.status(lagging).commitIndex).toBe(301);
    expect(c.committedText(lagging)).toEqual(c.committedText(leader));
    expect(c.leaders()).toEqual([leader]);
    await c.stopAll();
  });

  test('a snapshot larger than one message travels in chunks, each after the last was taken', async () => {
    const c = new Cluster(3, 18);
    c.maxBytesPerMessage = 1000;
    await c.startAll();
    const { leader } = await c.awaitLeader();
    const behind = (leader + 1) % 3;
    c.net.isolate(c.address(behind));
    for (let k = 0; k < 20; k++) void c.append(leader, text(`c${k}`));
    await c.clock.advance(300);
    const at = c.status(leader).commitIndex;
    const big = Uint8Array.from({ length: 4500 }, (_, i) => (i * 31) & 0xff); // five chunks of at most 1,000 bytes
    for (const i of [leader, (leader + 2) % 3]) {
      await c.nodes[i]!.runtime!.dispatch(c.nodes[i]!.replica!, 'snapshot', at, big);
      await c.clock.settle();
    }
    const sent = c.net.counters.messages_sent;
    c.net.heal();
    await c.clock.advance(1000);
    expect(c.nodes[behind]!.snapshots.map((s) => s.index)).toEqual([at]);
    expect(c.nodes[behind]!.snapshots[0]!.data).toEqual(big);
    expect(c.nodes[behind]!.storage.load().snapshot?.data).toEqual(big);
    expect(c.status(behind).commitIndex).toBe(c.status(leader).commitIndex);
    // Five chunks and their replies, plus heartbeats: not the snapshot sent again and again.
    expect(c.net.counters.messages_sent - sent).toBeLessThan(200);
    await c.stopAll();
  });

  test('snapshots truncate the log and a far-behind replica installs one', async () => {
    const c = new Cluster(3, 16);
    await c.startAll();
    const { leader } = await c.awaitLeader();
    const behind = (leader + 1) % 3;
    const other = (leader + 2) % 3;
    c.net.isolate(c.address(behind));
    for (let k = 0; k < 100; k++) void c.append(leader, text(`s${k}`));
    await c.clock.advance(300);
    const at = c.status(leader).commitIndex;
    expect(at).toBe(101);
    for (const i of [leader, other]) {
      await c.nodes[i]!.runtime!.dispatch(c.nodes[i]!.replica!, 'snapshot', at, text('state@101'));
      await c.clock.settle();
      expect(c.status(i).firstIndex).toBe(102);
      expect(c.nodes[i]!.storage.load().entries).toHaveLength(0);
    }
    await c.appendAndWait(leader, text('tail'));
    c.net.heal();
    await c.clock.advance(1000);
    expect(c.nodes[behind]!.snapshots.map((s) => s.index)).toEqual([101]);
    expect(c.status(behind).commitIndex).toBe(102);
    expect(c.status(behind).firstIndex).toBe(102);
    expect(c.committedText(behind)).toEqual(['snap:state@101', 'tail']);
    expect(c.nodes[behind]!.storage.load().snapshot?.index).toBe(101);
    await c.stopAll();
  });
});

describe('bad message bodies', () => {
  test('a malformed term, index or entry never reaches the core: refused, counted, the log carries on', async () => {
    const c = new Cluster(3, 17);
    await c.startAll();
    const { leader } = await c.awaitLeader();
    await c.appendAndWait(leader, text('before'));
    const follower = (leader + 1) % 3;
    const target = c.nodes[follower]!;
    const term = c.status(follower).term;
    const from = c.nodes[leader]!.pid;
    const bad: [string, unknown][] = [
      ['log.vote', { term: '999', lastIndex: 0, lastTerm: 0 }],
      ['log.vote', { term: 2n ** 62n, lastIndex: 0, lastTerm: 0 }],
      ['log.preVote', { term: NaN, lastIndex: 0, lastTerm: 0 }],
      ['log.append', { term, prevIndex: -1, prevTerm: 0, entries: [], commit: 0, sentAt: 0 }],
      ['log.append', { term, prevIndex: 0, prevTerm: 0, entries: [[1, 'x', null]], commit: 0, sentAt: 0 }],
      ['log.append', { term, prevIndex: 0, prevTerm: 0, entries: [[1, 1, 'not bytes']], commit: 0, sentAt: 0 }],
      ['log.recoverReply', { nonce: 1, status: 'leading', term: 1, commit: 0, lastIndex: 0 }],
      ['log.installSnapshot', { term, index: 1, snapTerm: 1, data: 'x', sentAt: 0 }],
    ];
    for (const [name, body] of bad) c.nodes[leader]!.runtime!.post(from, target.pid, name, body);
    await c.clock.advance(100);
    expect(target.replica!.invalidMessages).toBe(bad.length);
    expect(c.status(follower).term).toBe(term);
    // Still replicating.
    await c.appendAndWait(leader, text('after'));
    await c.clock.advance(200);
    expect(c.committedText(follower)).toEqual(['before', 'after']);
    await c.stopAll();
  });
});
