// Spoofed log traffic (the attack: a huge term sent to the replicas
// stopped every future election). Three replicas authenticate as the
// cluster's principal; an attacker holding another principal the runtimes
// accept (a framework's) sends votes and appends with a huge term: as
// itself, with a replica's PID in `from`, and from the address of a replica
// (live, then stopped). The term does not move, and the log keeps committing.
import { afterEach, describe, expect, test } from '@jest/globals';
import { Runtime, createLogger } from 'libprocess-ts';
import { Cluster } from './cluster.js';

const HUGE = 2 ** 40;
const SECRETS = new Map([['cluster', 'cluster-secret'], ['fw', 'fw-secret']]);
const FW = { principal: 'fw', secret: 'fw-secret' };

let c: Cluster;
const extra: Runtime[] = [];
afterEach(async () => {
  for (const r of extra.splice(0)) await r.stop();
  await c?.stopAll();
});

describe('log replicas take log traffic only from authenticated replicas', () => {
  test('a huge term from a non-replica, a spoofed replica, or a replica address under another principal changes nothing', async () => {
    c = new Cluster(3, 5);
    c.auth = { principal: 'cluster', secret: 'cluster-secret', secrets: SECRETS, required: false };
    await c.startAll();
    const { leader } = await c.awaitLeader();
    const term = c.status(leader).term;
    await c.appendAndWait(leader, new Uint8Array([1]));
    const attack = async (r: Runtime, from: string): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        r.post(from, c.nodes[i]!.pid, 'log.vote', { term: HUGE, lastIndex: HUGE, lastTerm: HUGE });
        r.post(from, c.nodes[i]!.pid, 'log.append', { term: HUGE, prevIndex: 0, prevTerm: 0, entries: [], commit: 0 });
      }
      await c.clock.advance(50);
    };
    const start = async (name: string, claim?: string): Promise<Runtime> => {
      const r = await new Runtime({ transport: c.net.transport(name, { auth: FW, ...(claim !== undefined ? { claim } : {}) }), clock: c.clock, name, logger: createLogger(name, 'silent') }).start();
      extra.push(r);
      return r;
    };
    const attacker = await start('attacker');
    await attack(attacker, `log@${attacker.address}`); // not a replica
    await attack(attacker, c.nodes[leader]!.pid); // spoofed from: dropped by the runtime
    const follower = [0, 1, 2].find((i) => i !== leader)!;
    await attack(await start('impostor', c.address(follower)), c.nodes[follower]!.pid); // a live replica's address: refused
    await c.stop(follower);
    await attack(await start('impostor2', c.address(follower)), c.nodes[follower]!.pid); // a stopped one's: taken, but 'fw' is no replica
    for (const i of [0, 1, 2].filter((i) => i !== follower)) {
      expect(c.status(i).term).toBe(term);
      expect(c.nodes[i]!.replica!.refused).toBe(4); // 2 from the attacker as itself, 2 from the stopped replica's address
    }
    expect(c.net.counters.hijacks_refused).toBe(2); // the live follower's connections to the two others
    expect(c.status(leader).role).toBe('leader');
    await c.appendAndWait(leader, new Uint8Array([2]));
  });

  test('replicas of a runtime without authentication still take traffic from one another (PIDs bound to their connections)', async () => {
    c = new Cluster(3, 6);
    await c.startAll();
    const { leader } = await c.awaitLeader();
    await c.appendAndWait(leader, new Uint8Array([1]));
    expect(c.nodes.map((n) => n.replica!.refused)).toEqual([0, 0, 0]);
  });
});
