// A browser on a standby master lands on the leader's web UI; the leader
// serves it (simulated network, 3 masters with a replicated registry).
import { describe, expect, test } from '@jest/globals';
import { HaCluster } from '../../test/helpers/ha-cluster.js';

describe('web UI with high availability', () => {
  test("a standby answers / with 307 to the leader's /; the leader serves the page", async () => {
    const c = new HaCluster(3, 11);
    await c.startAll();
    const leader = await c.awaitLeader();
    const standby = (leader + 1) % 3;
    const res = await c.http(standby, '/');
    expect(res.status).toBe(307);
    expect(res.headers?.['location']).toBe(`http://${c.nodes[leader]!.address}/`);
    expect((await c.http(standby, '/master/webui')).headers?.['location']).toBe(`http://${c.nodes[leader]!.address}/master/webui`);
    const page = await c.http(leader, '/');
    expect(page.status).toBe(200);
    expect(page.headers?.['content-type']).toMatch(/^text\/html/);
    expect(String((page as { body?: unknown }).body)).toContain('/master/webui/js/main.js');
    await c.stop();
  });
});
