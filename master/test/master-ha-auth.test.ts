// Three HA masters in one Node process over real WebSockets, with
// --credentials: their replicas authenticate to each other as the cluster's
// principal and elect a leader; a master whose credentials lack that principal
// (its log traffic comes as another one) is not taken as a replica, and
// neither its own runtime nor the others lead with it.
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from 'libprocess-ts';
import { freePorts } from '../../cli/free-ports.js';
import { startMaster, type MasterServer } from '../main.js';
import { untilTrue } from '../../test/wait.js';

const quiet = createLogger('test', 'silent');
const CLUSTER = { principal: 'cluster', secret: 'c'.repeat(32) };
const FW = { principal: 'fw', secret: 'f'.repeat(32) };

const servers: MasterServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function three(credentialsOf: (i: number) => { credentials: typeof CLUSTER[]; credential?: typeof CLUSTER }): Promise<MasterServer[]> {
  const ports = await freePorts(3);
  const masters = ports.map((p) => `127.0.0.1:${p}`);
  const dir = mkdtempSync(join(tmpdir(), 'master-ha-auth-'));
  dirs.push(dir);
  const started = await Promise.all(ports.map((port, i) => startMaster({ ip: '127.0.0.1', port, masters, workDir: join(dir, `m${i}`), logger: quiet, ...credentialsOf(i) })));
  servers.push(...started);
  return started;
}

describe('HA masters with credentials', () => {
  test('the replicas authenticate as the cluster principal and elect a leader', async () => {
    const ms = await three(() => ({ credentials: [CLUSTER, FW] }));
    await untilTrue('one leader', () => ms.filter((m) => m.ha!.leading).length === 1);
    for (const m of ms) expect(m.runtime.principal).toBe('cluster');
    expect(ms.reduce((n, m) => n + m.ha!.replica.refused, 0)).toBe(0);
  });

  test("a master dialing as another principal is not taken as a replica: the other two lead without it", async () => {
    // The third master's own identity is the framework principal, and it knows no other secret: its
    // log traffic is refused by the others. (Knowing the cluster's secret, it would answer a dial
    // from the others with the cluster's proof and be taken as 'cluster' on that connection: the
    // test then passed or failed by which master dialed first.)
    const ms = await three((i) => (i === 2 ? { credentials: [FW], credential: FW } : { credentials: [CLUSTER, FW] }));
    await untilTrue('a leader among the first two', () => ms.slice(0, 2).filter((m) => m.ha!.leading).length === 1);
    await untilTrue('the third refused by the others', () => ms[0]!.ha!.replica.refused + ms[1]!.ha!.replica.refused > 0);
    expect(ms[2]!.ha!.leading).toBe(false);
  });
});
