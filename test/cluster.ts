// A local cluster of OS processes for tests: `mesos-ts local` from the build, with its own
// temporary work dir and its own mDNS name, so clusters of tests running side by side (and a
// `make local` beside them) never meet. A single master and the agents pick their own ports
// (port 0, read back from cluster.json); the masters of a replica set must know each other's
// before they start, so theirs are leased from test/ports.ts.
// stop() waits for every process to exit before the work dir is removed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { leasePorts } from './ports.js';
import { runBuilt, waitForOutput, type Proc } from './processes.js';
import { until } from './wait.js';
import { tempDir } from './temp.js';

export interface LocalCluster {
  readonly proc: Proc;
  readonly workDir: string;
  readonly mdnsName: string;
  /** http://host:port of the leading master at start-up, of every master, of every agent. */
  readonly leader: string;
  readonly masters: readonly { url: string; pid: number }[];
  readonly agents: readonly { url: string; pid: number }[];
  /** `host:port,...` of every master, for --master. */
  readonly masterList: string;
  /** SIGTERM to `local` (it stops its members first); resolves once it has exited and the work dir is gone. */
  stop(): Promise<void>;
}

let clusters = 0;

/** A name no other cluster on this machine uses: this process's pid and a counter. */
export function uniqueMdnsName(what = 'test'): string {
  return `${what}-${process.pid}-${++clusters}`;
}

export async function startLocal(options: { masters?: number; agents?: number; args?: string[]; mdns?: boolean; env?: Record<string, string> } = {}): Promise<LocalCluster> {
  const masters = options.masters ?? 1;
  const lease = masters > 1 ? await leasePorts(masters) : undefined;
  const dir = tempDir('mesos-ts-test-cluster');
  const mdnsName = uniqueMdnsName('cluster');
  const args = ['local', `--port=${lease?.ports[0] ?? 0}`, `--masters=${masters}`, `--agents=${options.agents ?? 1}`, `--work_dir=${dir.path}`, `--mdns=${options.mdns ?? false}`, `--mdns_name=${mdnsName}`, ...(options.args ?? [])];
  const proc = runBuilt('cli/main.ts', args, { stopAllSignal: 'SIGTERM', ...(options.env ? { env: options.env } : {}) });
  try {
    await waitForOutput(proc, (o) => o.includes('cluster up'), "'cluster up'");
  } catch (err) {
    await proc.stop('SIGTERM');
    await dir.remove([proc]);
    lease?.release();
    throw err;
  }
  const json = JSON.parse(readFileSync(join(dir.path, 'cluster.json'), 'utf8')) as { leader: string; masters: { url: string; pid: number }[]; agents: { url: string; pid: number }[] };
  return {
    proc,
    workDir: dir.path,
    mdnsName,
    leader: json.leader,
    masters: json.masters,
    agents: json.agents,
    masterList: json.masters.map((m) => m.url.replace(/^http:\/\//, '')).join(','),
    stop: async () => {
      await proc.stop('SIGTERM');
      await dir.remove([proc]);
      lease?.release();
    },
  };
}

/**
 * Resolves once the leader's /master/state shows `n` active agents: 'cluster up' means every
 * process started, not that every agent has registered yet (a test placing one task per agent
 * must wait for this).
 */
export async function untilAgentsActive(cluster: LocalCluster, n: number): Promise<void> {
  const authorization = operatorAuthorization(cluster);
  await until(`${n} active agents at the leader`, async () => {
    const res = await fetch(`${cluster.leader}/master/state`, { headers: { authorization } });
    const state = (await res.json()) as { slaves?: { active?: boolean }[] };
    return (state.slaves ?? []).filter((s) => s.active === true).length >= n ? true : undefined;
  });
}

/** The Authorization header of the cluster's operator credential (`<work_dir>/operator-credential.json`). */
export function operatorAuthorization(cluster: LocalCluster): string {
  const credential = JSON.parse(readFileSync(join(cluster.workDir, 'operator-credential.json'), 'utf8')) as { principal: string; secret: string };
  return `Basic ${Buffer.from(`${credential.principal}:${credential.secret}`).toString('base64')}`;
}
