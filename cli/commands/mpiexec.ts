import { basename } from 'node:path';
import { Command } from 'commander';
import { realClock } from 'libprocess-ts';
import { toResources } from '../../framework/scheduler/helpers.js';
import { withClusterOptions, type ClusterOptions } from '../cluster-options.js';
import { commandCredential } from '../credentials.js';
import { masterAddresses, parseMdnsName } from '../discovery.js';
import { parseDuration, parsePositiveInt } from '../durations.js';
import { sourceAddressTowards } from '../mpi/control-host.js';
import { MpiJob } from '../mpi/job.js';
import { fetchState } from './query.js';

/**
 * `mesos-ts mpiexec`: an MPI job whose nodes come from offers, in the shape
 * of Mesos's mpiexec-mesos (cli/mpi/README.md). Exits with the job's status.
 */
export function mpiexecCommand(): Command {
  return withClusterOptions(new Command('mpiexec'))
    .description("run an MPI program (MPICH's Hydra) on slots gathered from the cluster's offers; exit with the job's status")
    .requiredOption('-n, --np <ranks>', 'how many ranks (slots), all started together or not at all')
    .option('-m, --mem <MB>', 'memory per rank, in MB', '128')
    .option('--cpus <cpus>', 'CPUs per rank', '1')
    .option('--name <name>', "the framework's name (and its tasks'; default: mpiexec <program>)")
    .option('--role <role>', 'the role to take resources from', '*')
    .option('--timeout <duration>', 'how long to wait for the offers to hold every rank', '30secs')
    .option('--max_per_agent <ranks>', 'at most this many ranks on one agent (default: no limit; ranks are dealt round-robin over the agents)')
    .option('--control_host <host>', "the name or address the agents' proxies reach this machine at (Hydra's -localhost; default: the address this machine sends from towards the master)")
    .argument('<program>', 'the MPI program (a path the agents can run: same machine or a shared file system)')
    .argument('[args...]', "the program's arguments (after --)")
    .addHelpText('after', `
The ranks are dealt round-robin over the agents whose offers hold them (at most --max_per_agent on
one); each agent runs one Hydra proxy as a task (named '<name> ranks a-b') with the resources of
its ranks. The job's output is streamed; its exit status is the job's. A rank exiting non-zero
ends every task of the job, and the rank is named. mpiexec.hydra must be on the PATH (Debian:
make mpich).

Examples:
  $ mesos-ts mpiexec -n 3 -m 256 --master=127.0.0.1:5050 -- dist/mpi/is 20
  $ mesos-ts mpiexec -n 2 --cpus=0.5 -- dist/mpi/pingpong 20 100
  $ mesos-ts mpiexec -n 8 --timeout=2mins --max_per_agent=2 -- dist/mpi/collectives; echo "exit status $?"`)
    .action(async (program: string, args: string[], o: ClusterOptions & { np: string; mem: string; cpus: string; name?: string; role: string; timeout: string; max_per_agent?: string; control_host?: string }) => {
      const ranks = parsePositiveInt('np', o.np);
      const mem = Number(o.mem);
      if (!Number.isFinite(mem) || mem <= 0) throw new Error(`--mem=${o.mem}: expected a positive number of MB`);
      const cpus = Number(o.cpus);
      if (!Number.isFinite(cpus) || cpus <= 0) throw new Error(`--cpus=${o.cpus}: expected a positive number`);
      const timeoutMs = parseDuration('timeout', o.timeout);
      if (o.control_host !== undefined && !/^[A-Za-z0-9][A-Za-z0-9.:_-]*$/.test(o.control_host)) throw new Error(`--control_host=${o.control_host}: not a host name or an address`);
      const maxPerAgent = o.max_per_agent === undefined ? undefined : parsePositiveInt('max_per_agent', o.max_per_agent);
      const masters = await masterAddresses(o.master ?? 'mdns', 5000, 0, parseMdnsName(o.mdns_name));
      const credential = commandCredential(o, masters);
      const controlHost = o.control_host ?? (await sourceAddressTowards(masters[0]!));
      const log = (line: string): void => void process.stderr.write(`mesos-ts mpiexec: ${line}\n`);
      const job = new MpiJob({
        masters,
        ...(credential !== undefined ? { credential } : {}),
        ranks,
        perRank: toResources(`cpus:${cpus};mem:${mem}`),
        program,
        args,
        name: o.name ?? `mpiexec ${basename(program)}`,
        role: o.role,
        timeoutMs,
        ...(maxPerAgent !== undefined ? { maxPerAgent } : {}),
        ...(controlHost !== undefined ? { controlHost } : {}),
        agents: async () => (await fetchState(masters.join(','), o.mdns_name)).state.slaves.filter((a) => a.active),
        clock: realClock,
        log,
        stdout: process.stdout,
        stderr: process.stderr,
      });
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => job.interrupt(signal));
      const result = await job.run();
      if (result.message !== undefined) log(result.code === 0 ? result.message : `failed: ${result.message}`);
      log(`exit status ${result.code} (timings, ms from submission: ${JSON.stringify(result.timings)})`);
      process.exit(result.code);
    });
}
