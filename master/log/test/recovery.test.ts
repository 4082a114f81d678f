/**
 * A replica whose disk was wiped must not vote with its empty memory.
 *
 * The scenario: L leads, C is cut off, X is committed on L and F only. F's
 * disk is wiped and L dies. If F voted as if it were new, C (without X) could
 * win the election with F's vote and X, committed, would be lost. F instead
 * recovers: it asks its peers, needs a quorum of voting replicas other than
 * itself, and votes only once it has caught up.
 */
import { describe, test, expect } from '@jest/globals';
import { Cluster, text } from './cluster.js';

async function setUp(seed: number): Promise<{ c: Cluster; L: number; F: number; C: number }> {
  const c = new Cluster(3, seed);
  await c.startAll();
  const { leader: L } = await c.awaitLeader();
  const F = (L + 1) % 3;
  const C = (L + 2) % 3;
  await c.appendAndWait(L, text('W'));
  await c.clock.advance(200);
  c.net.isolate(c.address(C));
  await c.appendAndWait(L, text('X')); // committed by L and F
  await c.clock.advance(100);
  expect(c.committedText(F)).toEqual(['W', 'X']);
  expect(c.committedText(C)).toEqual(['W']);
  return { c, L, F, C };
}

describe('recovery of a wiped replica', () => {
  test('it does not vote with an empty memory, so a committed entry is not lost', async () => {
    const { c, L, F, C } = await setUp(21);
    await c.stop(F);
    c.nodes[F]!.storage.wipe();
    await c.stop(L);
    c.net.heal();
    await c.start(F);
    // Only F (empty) and C (without X) are up: no leader may be elected.
    await c.clock.advance(5000);
    expect(c.leaders()).toEqual([]);
    expect(c.status(F)).toMatchObject({ role: 'recovering', voter: false });
    expect(c.committedText(C)).toEqual(['W']);
    // L comes back: a leader is elected, and it has X.
    await c.start(L);
    const { leader } = await c.awaitLeader(5000);
    expect(c.committedText(leader)).toEqual(['W', 'X']);
    await c.clock.advance(1000);
    for (const i of [L, F, C]) expect(c.committedText(i)).toEqual(['W', 'X']);
    expect(c.status(F)).toMatchObject({ role: leader === F ? 'leader' : 'follower', voter: true });
    // F persisted that it is a voter again.
    expect(c.nodes[F]!.storage.load().hardState?.status).toBe('voting');
    await c.stopAll();
  });

  test('the same scenario with a replica that votes after a wipe loses the committed entry (why recovery exists)', async () => {
    const { c, L, F, C } = await setUp(21);
    await c.stop(F);
    // A naive replica would start as if brand new: initialized, voting, empty.
    c.nodes[F]!.storage.wipe();
    c.nodes[F]!.storage.apply([{ type: 'hardState', state: { term: 0, vote: null, status: 'voting' } }]);
    await c.stop(L);
    c.net.heal();
    await c.start(F);
    const { leader } = await c.awaitLeader(5000);
    expect(leader).toBe(C);
    expect(c.committedText(C)).toEqual(['W']); // X, committed and acknowledged, is gone
    await c.stopAll();
  });

  test('a wiped follower of a healthy cluster catches up as a non-voter, then votes', async () => {
    const c = new Cluster(3, 22);
    await c.startAll();
    const { leader } = await c.awaitLeader();
    for (let k = 0; k < 50; k++) void c.append(leader, text(`k${k}`));
    await c.clock.advance(300);
    const F = (leader + 1) % 3;
    await c.stop(F);
    c.nodes[F]!.storage.wipe();
    await c.start(F);
    expect(c.status(F).role).toBe('recovering');
    await c.clock.advance(1000);
    expect(c.status(F)).toMatchObject({ role: 'follower', voter: true, commitIndex: 51 });
    expect(c.committedText(F)).toEqual(c.committedText(leader));
    expect(c.leaders()).toEqual([leader]);
    await c.stopAll();
  });

  test('a brand-new cluster initializes when a quorum reports empty; a late replica joins it', async () => {
    const c = new Cluster(3, 23);
    await c.start(0);
    await c.clock.advance(2000);
    expect(c.status(0).role).toBe('recovering'); // alone it cannot know whether the log exists
    await c.start(1);
    const { leader } = await c.awaitLeader(3000);
    await c.appendAndWait(leader, text('first'));
    await c.start(2);
    expect(c.status(2).role).toBe('recovering');
    await c.clock.advance(1000);
    expect(c.status(2)).toMatchObject({ role: 'follower', voter: true });
    expect(c.committedText(2)).toEqual(['first']);
    await c.stopAll();
  });

  test('a wiped replica next to one that never started does not start a new log beside the old one', async () => {
    const c = new Cluster(3, 24);
    await c.start(0);
    await c.start(1);
    const { leader } = await c.awaitLeader(3000);
    await c.appendAndWait(leader, text('X')); // on replicas 0 and 1 only; 2 never ran
    const wiped = leader === 0 ? 1 : 0;
    const keeper = leader;
    await c.stop(wiped);
    c.nodes[wiped]!.storage.wipe();
    await c.start(wiped);
    await c.start(2);
    // Both are empty: a quorum of empties. (Had the keeper been away, they could not know better:
    // two replicas out of three without the data is beyond what the log survives.)
    await c.clock.advance(3000);
    // Replicas 2 and the wiped one saw the keeper's history: they must recover, not start anew;
    // they cannot (only one voting replica), so nothing is elected and X is not lost.
    for (const i of [wiped, 2]) expect(c.status(i).voter).toBe(false);
    expect(c.committedText(keeper)).toEqual(['X']);
    expect(c.leaders()).toEqual([]);
    await c.stopAll();
  });
});

