// `mesos-ts local --hosts=netns` for real (root, ip and nft needed; skipped with the reason
// otherwise): each node in its own namespace and address, `local exec`, faults from the kernel
// (a partitioned leader steps down and the agent follows the new one, half-open connections
// closed by the pings; loss, slow-link, slow-disk put in force and healed), everything removed
// when local stops, and what a SIGKILLed local left removed by the next start on its work dir.
// Not root: a clear error.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { netnsUnavailable } from '../netns/sh.js';
import { BLKIO_ROOT, readState } from '../netns/network.js';
import { startLocal, type LocalCluster } from '../../test/cluster.js';
import { alive, root, runBuilt, stopAll, waitForOutput, runCli } from '../../test/processes.js';
import { describeIf } from '../../test/skip.js';
import { tempDir } from '../../test/temp.js';
import { until } from '../../test/wait.js';

afterAll(async () => {
  await stopAll('SIGTERM');
});

const cli = runCli;

const namespaces = (): string[] => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n !== '');
const links = (): string[] => (JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string }[]).map((l) => l.ifname);

/** 200 from the leader, 307 from a follower, 503 during an election, undefined when unreachable. */
async function status(url: string): Promise<number | undefined> {
  const r = await fetch(`${url}/master/state`, { redirect: 'manual', signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  await r?.body?.cancel();
  return r?.status;
}

describe('local --hosts=netns, not root', () => {
  test('a clear error naming why', async () => {
    const work = tempDir('mesos-ts-netns-nonroot');
    const child = spawn(process.execPath, ['--no-warnings', join(root, 'dist/cli/main.js'), 'local', '--hosts=netns', `--work_dir=${work.path}/c`], { ...(process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise((r) => child.once('close', r));
    await work.remove();
    // As root the test runs it as nobody; elsewhere it is not root anyway.
    expect(code).toBe(1);
    expect(err).toContain('mesos-ts: --hosts=netns needs root: it creates network namespaces');
  });
});

describeIf(netnsUnavailable())('local --hosts=netns', () => {
  let cluster: LocalCluster;
  let json: { masters: { name: string; url: string; netns: string; ip: string; pid: number }[]; agents: { name: string; url: string; netns: string; ip: string; pid: number }[]; hosts: string; network: { bridge: string; bridge_ip: string; subnet: string } };
  beforeAll(async () => {
    cluster = await startLocal({ masters: 3, agents: 1, args: ['--hosts=netns'] });
    json = JSON.parse(readFileSync(join(cluster.workDir, 'cluster.json'), 'utf8')) as typeof json;
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test('each node in a namespace and address of its own, named in cluster.json; local exec runs there', async () => {
    expect(json.hosts).toBe('netns');
    const prefix = json.network.bridge;
    expect(json.network.subnet).toMatch(/^(192\.0\.2|198\.51\.100)\.\d+\/28$/);
    expect(json.masters.map((m) => m.netns)).toEqual([`${prefix}-master1`, `${prefix}-master2`, `${prefix}-master3`]);
    expect(json.agents[0]!.url).toBe(`http://${json.agents[0]!.ip}:5051`);
    for (const n of [...json.masters, ...json.agents]) expect(namespaces()).toContain(n.netns);
    const exec = await cli(['local', 'exec', 'agent1', `--work_dir=${cluster.workDir}`, '--', 'ip', '-4', '-br', 'addr', 'show', 'eth0']);
    expect(exec.code).toBe(0);
    expect(exec.out).toContain(`${json.agents[0]!.ip}/28`);
    expect((await cli(['local', 'exec', 'agent1', `--work_dir=${cluster.workDir}`, '--', 'sh', '-c', 'exit 7'])).code).toBe(7);
    const unknown = await cli(['local', 'exec', 'agent9', `--work_dir=${cluster.workDir}`, '--', 'true']);
    expect(unknown.err).toContain("no node 'agent9' in this cluster (its nodes: master1, master2, master3, agent1)");
    expect((await cli(['local', 'exec', 'agent1', '--', 'true'])).err).toContain('which cluster? give --work_dir');
  }, 90_000);

  test('a partitioned leader steps down, another is elected and the agent follows it; healed, the old one follows', async () => {
    const leader = await until('a leader', async () => {
      for (const m of json.masters) if ((await status(m.url)) === 200) return m;
      return undefined;
    });
    const agentActiveAt = async (url: string): Promise<true | undefined> => {
      const r = await fetch(`${url}/master/state`, { signal: AbortSignal.timeout(2000) });
      const s = (await r.json()) as { slaves: { hostname: string; active: boolean }[] };
      return s.slaves.some((a) => a.hostname === 'agent1.local' && a.active) ? true : undefined;
    };
    await until('the agent registered with the leader', () => agentActiveAt(leader.url));
    const cut = await cli(['local', 'fault', 'partition', leader.name, `--work_dir=${cluster.workDir}`]);
    expect(cut.code).toBe(0);
    expect(cut.out).toContain(`partitioned: ${leader.name} | (the rest)`);
    // The old leader, cut from its quorum, no longer serves (its lease ran out); one of the others does.
    await until('the partitioned leader steps down', async () => ((await status(leader.url)) !== 200 ? true : undefined), { limitMs: 20_000 });
    const next = await until('a new leader among the others', async () => {
      for (const m of json.masters) if (m.name !== leader.name && (await status(m.url)) === 200) return m;
      return undefined;
    });
    // The agent's connection to the old leader went half-open: the pings close it and it re-registers.
    await until('the agent re-registered with the new leader', () => agentActiveAt(next.url), { limitMs: 30_000 });
    // It found out through the pings (every 500 ms under netns, 3 unanswered in a row), not a reset: none comes from a partition.
    expect(cluster.proc.out()).toMatch(/\[agent1\].*answered none of 3 pings 500 ms apart; closing the connection/);
    const healed = await cli(['local', 'fault', 'heal', `--work_dir=${cluster.workDir}`]);
    expect(healed.out).toContain(`healed: partition ${leader.name}`);
    await until('the old leader follows the new one', async () => ((await status(leader.url)) === 307 ? true : undefined), { limitMs: 30_000 });
  }, 120_000);

  test('loss, slow-link and slow-disk are put in force in the node, and healed', async () => {
    const w = `--work_dir=${cluster.workDir}`;
    const state = readState(cluster.workDir)!;
    expect((await cli(['local', 'fault', 'loss', 'agent1', '25%', w])).out).toContain('agent1: 25% of the packets it sends are dropped');
    const rules = await cli(['local', 'exec', 'agent1', w, '--', 'nft', 'list', 'table', 'inet', 'mts_fault']);
    expect(rules.out).toContain('numgen random mod 10000 < 2500');
    expect((await cli(['local', 'fault', 'slow-link', 'agent1', '1mbit', w])).code).toBe(0);
    expect((await cli(['local', 'exec', 'agent1', w, '--', 'tc', 'qdisc', 'show', 'dev', 'eth0'])).out).toContain('tbf');
    const disk = await cli(['local', 'fault', 'slow-disk', 'agent1', '--iops=50', w]);
    expect(disk.out).toMatch(/agent1: disk \d+:\d+ throttled to 50 IOPS/);
    const group = join(BLKIO_ROOT, `${state.plan.prefix}-agent1`);
    expect(readFileSync(join(group, 'cgroup.procs'), 'utf8').split('\n')).toContain(String(json.agents[0]!.pid));
    const delay = await cli(['local', 'fault', 'delay', 'agent1', '50ms', w]);
    // Where the kernel has no netem the error says so; where it has, the delay is in force.
    if (delay.code !== 0) expect(delay.err).toContain('this kernel has no netem qdisc');
    const status = JSON.parse((await cli(['local', 'fault', 'status', w])).out) as { links: Record<string, unknown>; disks: Record<string, unknown> };
    expect(status.links['agent1']).toMatchObject({ lossPercent: 25, rateKbit: 1000 });
    const healed = await cli(['local', 'fault', 'heal', 'agent1', w]);
    expect(healed.out).toContain('healed: link of agent1; disk of agent1');
    expect((await cli(['local', 'exec', 'agent1', w, '--', 'nft', 'list', 'table', 'inet', 'mts_fault'])).out).not.toContain('numgen');
    expect((await cli(['local', 'exec', 'agent1', w, '--', 'tc', 'qdisc', 'show', 'dev', 'eth0'])).out).not.toContain('tbf');
    expect(existsSync(group)).toBe(false);
    expect((await cli(['local', 'fault', 'loss', 'agent1', 'lots', w])).err).toContain("loss 'lots': expected a percentage 0-100");
  }, 120_000);
});

describeIf(netnsUnavailable())('local --hosts=netns cleans up', () => {
  test('after SIGKILL, the next start on the work dir removes what was left; a stop removes everything', async () => {
    const work = tempDir('mesos-ts-netns-crash');
    const args = ['local', '--hosts=netns', '--masters=1', '--agents=1', `--work_dir=${work.path}`, '--mdns=false'];
    const first = runBuilt('cli/main.ts', args);
    await waitForOutput(first, (o) => o.includes('cluster up'), "'cluster up'");
    const before = readState(work.path)!;
    const orphans = (JSON.parse(readFileSync(join(work.path, 'cluster.json'), 'utf8')) as { masters: { pid: number }[]; agents: { pid: number }[] });
    await first.stop('SIGKILL');
    expect(namespaces()).toContain(`${before.plan.prefix}-agent1`);
    const second = runBuilt('cli/main.ts', args);
    await waitForOutput(second, (o) => o.includes('cluster up'), "'cluster up'");
    expect(second.out()).toContain(`netns: removing what the previous cluster in ${work.path} left`);
    // The orphaned master and agent went with their namespaces.
    // Killed with their namespaces (alive() counts a zombie waiting for init as gone).
    for (const pid of [...orphans.masters, ...orphans.agents].map((n) => n.pid)) await until(`orphan ${pid} gone`, async () => (alive(pid) ? undefined : true));
    const after = readState(work.path)!;
    await second.stop('SIGTERM');
    expect(namespaces().filter((n) => n.startsWith(`${after.plan.prefix}-`))).toEqual([]);
    expect(links().filter((l) => l === after.plan.prefix || l.startsWith(`${after.plan.prefix}v`))).toEqual([]);
    expect(existsSync(join(work.path, 'netns.json'))).toBe(false);
    await work.remove([first, second]);
  }, 120_000);
});
