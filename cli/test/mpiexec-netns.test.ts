// `mesos-ts mpiexec` on network-namespace hosts (`local --hosts=netns`, root): each rank runs in
// its agent's namespace, and with UCX kept to TCP (UCX_TLS=tcp,self, passed on by Hydra) the ranks
// talk only through the bridge; the proxies reach mpiexec at the address this machine sends from
// towards the master (the bridge's), found without --control_host.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execSync } from 'node:child_process';
import { buildMpiPrograms, mpichMissing, type MpiProgram } from '../../examples/mpi/build.js';
import { netnsUnavailable } from '../netns/sh.js';
import { startLocal, untilAgentsActive, type LocalCluster } from '../../test/cluster.js';
import { runBuilt, stopAll } from '../../test/processes.js';
import { describeIf } from '../../test/skip.js';
import { tempDir } from '../../test/temp.js';

const work = tempDir('mesos-ts-mpiexec-netns-test');
let cluster: LocalCluster | undefined;
let programs: Record<MpiProgram, string>;

/** What Hydra, its proxies and the ranks were doing when a job hung: each one's state and kernel wait, and the ranks' stacks. */
function hungProcesses(): string {
  const sh = (cmd: string): string => {
    try {
      return execSync(cmd, { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      return `(${cmd}: ${(e as Error).message})`;
    }
  };
  const list = sh(`ps -eo pid,ppid,stat,wchan:24,etimes,args | grep -E 'mpiexec|hydra_pmi_proxy|${work.path}' | grep -v grep`);
  // The ranks' own lines: the program's path first (the test's dir has "mpiexec" in its name, so match the command).
  const ranks = list.split('\n').filter((l) => (l.trim().split(/\s+/)[5] ?? '').startsWith(work.path)).map((l) => l.trim().split(/\s+/)[0]!).filter((pid) => /^\d+$/.test(pid));
  const stacks = ranks.map((pid) => `rank process ${pid}:\n${sh(`gdb -p ${pid} -batch -ex 'thread apply all bt' 2>&1 | grep -E '^(#|Thread)' | head -40`)}`);
  return [list, ...stacks].join('\n');
}

/** One mpiexec; one that has not ended within 50 s is stopped and its output shown (the hang below, when it comes). */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const p = runBuilt('cli/main.ts', args, { env });
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 50_000)));
  const code = await Promise.race([p.done, hung]);
  clearTimeout(timer);
  if (code === 'hung') {
    const where = hungProcesses();
    await p.stop('SIGKILL');
    throw new Error(`mpiexec ${args.join(' ')} did not end within 50 s; its output:\n${p.stdout()}\n${p.stderr()}\nthe job's processes then:\n${where}`);
  }
  return { code, out: p.stdout(), err: p.stderr() };
}

afterAll(async () => {
  await stopAll('SIGKILL');
  await cluster?.stop();
  await work.remove();
});

// On demand only (MPIEXEC_NETNS=1): under load about 1 run in 20 hangs after the program's last line. The stacks
// caught (1 of 21 runs, load 18-26): three ranks in PMPI_Finalize reading their proxy's PMI socket, the fourth spinning
// in PMPI_Finalize -> ucp_worker_progress -> uct_tcp_iface_progress: UCX's TCP-transport cleanup hang (openucx/ucx#8738,
// UCX 1.13 in Debian 12), in the MPI stack, not in the launch.
const onDemand = process.env['MPIEXEC_NETNS'] === '1' ? null : 'under load, 1 run in 20 hangs in MPI_Finalize (UCX over TCP: a rank spins in uct_tcp_iface_progress while the others wait in the PMI barrier, openucx/ucx#8738); MPIEXEC_NETNS=1 runs it';
describeIf(onDemand ?? netnsUnavailable() ?? mpichMissing())('mesos-ts mpiexec on network-namespace hosts', () => {
  beforeAll(async () => {
    programs = buildMpiPrograms(work.path);
    cluster = await startLocal({ masters: 1, agents: 2, args: ['--hosts=netns', '--resources=cpus:2;mem:1024;disk:1024'] });
    await untilAgentsActive(cluster, 2);
  }, 120_000);

  test("each rank in its agent's namespace; over TCP through the bridge, a ping-pong and the collectives", async () => {
    const master = `--master=${cluster!.masterList}`;
    const where = await cli(['mpiexec', master, '-n', '2', '-m', '64', '--max_per_agent=1', '--', '/bin/sh', '-c', 'echo "rank $PMI_RANK in $(ip netns identify $$)"']);
    expect(where.code).toBe(0);
    const namespaces = where.out.split('\n').filter((l) => l.startsWith('rank ')).map((l) => l.replace(/^rank \d in /, '')).sort();
    expect(namespaces).toHaveLength(2);
    expect(namespaces[0]).toMatch(/^mts\d+-agent1$/);
    expect(namespaces[1]).toMatch(/^mts\d+-agent2$/);
    const tcp = { UCX_TLS: 'tcp,self' };
    const pp = await cli(['mpiexec', master, '-n', '2', '-m', '64', '--max_per_agent=1', '--', programs.pingpong, '16', '20'], tcp);
    expect(pp.out).toMatch(/^pingpong: blocking 65536 [\d.]+ [\d.]+$/m);
    expect(pp.code).toBe(0);
    const c = await cli(['mpiexec', master, '-n', '4', '-m', '64', '--max_per_agent=2', '--', programs.collectives, '20'], tcp);
    expect(c.out).toMatch(/^collectives: ranks 4 sum 6 .* ok$/m);
    expect(c.code).toBe(0);
  }, 180_000);
});
