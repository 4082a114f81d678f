/**
 * `mesos-ts local exec` and `mesos-ts local fault`: commands against a running
 * `local --hosts=netns` cluster, found by its work dir (<work_dir>/netns.json).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { parseDuration } from '../durations.js';
import { heal, nodeOf, partition, readFaults, setLink, slowDisk } from '../netns/faults.js';
import { readState, type NetnsState } from '../netns/network.js';
import { netnsUnavailable } from '../netns/sh.js';
import { say } from '../process-util.js';

function workDirOption(): Option {
  return new Option('--work_dir <dir>', "the cluster's work dir (as given to `local --work_dir`; or MESOS_TS_LOCAL_WORK_DIR)");
}

/** The cluster of `--work_dir` (given before or after the subcommand: `local` has the same flag) or MESOS_TS_LOCAL_WORK_DIR. */
function clusterIn(command: Command): { dir: string; state: NetnsState } {
  const why = netnsUnavailable();
  if (why !== null) throw new Error(why.replace('--hosts=netns', 'local exec/fault'));
  const given = (command.optsWithGlobals() as { work_dir?: string }).work_dir ?? process.env['MESOS_TS_LOCAL_WORK_DIR'];
  if (given === undefined || given === '') throw new Error(`${command.name()}: which cluster? give --work_dir=<the work dir of local --hosts=netns> (or MESOS_TS_LOCAL_WORK_DIR)`);
  const dir = resolve(given);
  const state = readState(dir);
  if (state === undefined) throw new Error(`${dir}: no netns cluster here (no netns.json: is it a \`local --hosts=netns\` work dir, and is the cluster running?)`);
  return { dir, state };
}

/** `10%`, `0.5%` or `10`: a share of packets, 0-100. */
export function parsePercent(what: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
  const n = m === null ? NaN : Number(m[1]);
  if (!(n >= 0 && n <= 100)) throw new Error(`${what} '${text}': expected a percentage 0-100 such as 10%`);
  return n;
}

/** `1mbit`, `500kbit`, `2gbit`: a rate in kbit/s. */
export function parseRate(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(kbit|mbit|gbit)$/i.exec(text.trim());
  if (m === null || Number(m[1]) <= 0) throw new Error(`rate '${text}': expected a rate such as 500kbit, 10mbit or 1gbit`);
  return Math.max(1, Math.round(Number(m[1]) * { kbit: 1, mbit: 1000, gbit: 1_000_000 }[m[2]!.toLowerCase() as 'kbit']));
}

/** `1mb`, `512kb`, `100b`: bytes. */
function parseBytes(text: string): number {
  const m = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (m === null || Number(m[1]) <= 0) throw new Error(`--bps '${text}': expected a size such as 512kb or 1mb`);
  return Number(m[1]) * { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
}

function execCommand(): Command {
  return new Command('exec')
    .description("run a command on a node of a netns cluster (in its network namespace): its exit status is exec's")
    .argument('<node>', 'master1, agent2, ... (cluster.json names them)')
    .argument('<cmd...>', 'the command and its arguments (after --)')
    .addOption(workDirOption())
    .addHelpText('after', '\nExamples:\n  $ mesos-ts local exec agent1 --work_dir=/tmp/c -- ip -4 addr show eth0\n  $ mesos-ts local exec master2 --work_dir=/tmp/c -- curl -s http://198.51.100.2:5050/master/state')
    .action(async (node: string, cmd: string[], _o: unknown, c: Command) => {
      const { state } = clusterIn(c);
      const n = nodeOf(state.plan, node);
      const child = spawn('ip', ['netns', 'exec', n.netns, ...cmd], { stdio: 'inherit' });
      const code = await new Promise<number>((r) => child.once('exit', (c, signal) => r(c ?? (signal !== null ? 128 + 15 : 1))));
      process.exitCode = code;
    });
}

function faultCommand(): Command {
  const fault = new Command('fault').description('faults from the kernel on a running netns cluster: partition, heal, delay, loss, slow-link, slow-disk, status');
  fault
    .command('partition')
    .description('cut the network between groups of nodes: each argument is a group (nodes joined by commas); the nodes named in none form one more group')
    .argument('<groups...>', 'e.g. master1 (isolate master1), or master1,agent1 master2,master3')
    .option('--one-way', 'only the first group cannot send to the others (an asymmetric cut: it still hears them)')
    .addOption(workDirOption())
    .action(async (groups: string[], o: { oneWay?: boolean }, c: Command) => {
      const { dir, state } = clusterIn(c);
      const g = groups.map((x) => x.split(',').filter((n) => n !== ''));
      await partition(dir, state, g, o.oneWay === true);
      say(`partitioned: ${g.map((x) => x.join(',')).join(' | ')} | (the rest)${o.oneWay === true ? `; one-way: ${g[0]!.join(',')} cannot send to the others` : ''}`);
    });
  fault
    .command('heal')
    .description('undo every fault (or those of the named nodes)')
    .argument('[nodes...]')
    .addOption(workDirOption())
    .action(async (nodes: string[], _o: unknown, c: Command) => {
      const { dir, state } = clusterIn(c);
      const healed = await heal(dir, state, nodes.length > 0 ? nodes : undefined);
      say(healed.length === 0 ? 'healed: there was no fault' : `healed: ${healed.join('; ')}`);
    });
  fault
    .command('delay')
    .description("delay every packet the node sends (tc netem; needs a kernel with netem), e.g. delay agent1 200ms; 0ms removes it")
    .argument('<node>')
    .argument('<delay>', 'a duration: 200ms, 1secs')
    .option('--jitter <duration>', 'random variation of the delay')
    .addOption(workDirOption())
    .action(async (node: string, delay: string, o: { jitter?: string }, c: Command) => {
      const { dir, state } = clusterIn(c);
      const ms = parseDuration('delay', delay);
      await setLink(dir, state, node, { delayMs: ms, ...(o.jitter !== undefined ? { jitterMs: parseDuration('jitter', o.jitter) } : {}) });
      say(`${node}: packets it sends are delayed ${ms} ms`);
    });
  fault
    .command('loss')
    .description('drop that share of the packets the node sends (nft numgen random), e.g. loss agent1 10%; 0% removes it')
    .argument('<node>')
    .argument('<percent>')
    .addOption(workDirOption())
    .action(async (node: string, percent: string, _o: unknown, c: Command) => {
      const { dir, state } = clusterIn(c);
      const p = parsePercent('loss', percent);
      await setLink(dir, state, node, { lossPercent: p });
      say(`${node}: ${p}% of the packets it sends are dropped`);
    });
  fault
    .command('slow-link')
    .description("limit the rate the node sends at (tc tbf), e.g. slow-link agent1 1mbit")
    .argument('<node>')
    .argument('<rate>', '500kbit, 10mbit')
    .addOption(workDirOption())
    .action(async (node: string, rate: string, _o: unknown, c: Command) => {
      const { dir, state } = clusterIn(c);
      const kbit = parseRate(rate);
      await setLink(dir, state, node, { rateKbit: kbit });
      say(`${node}: sends at most ${kbit} kbit/s`);
    });
  fault
    .command('slow-disk')
    .description("throttle the disk I/O of every process on the node (a cgroup v1 blkio group with read/write IOPS and bytes/s limits on the disk of its work dir)")
    .argument('<node>')
    .option('--iops <n>', 'reads and writes per second, each', '20')
    .option('--bps <size>', 'bytes per second read and written, each', '1mb')
    .addOption(workDirOption())
    .action(async (node: string, o: { iops: string; bps: string }, c: Command) => {
      const { dir, state } = clusterIn(c);
      const iops = Number(o.iops);
      if (!Number.isInteger(iops) || iops < 1) throw new Error(`--iops=${o.iops}: expected a positive integer`);
      const f = await slowDisk(dir, state, node, iops, parseBytes(o.bps));
      say(`${node}: disk ${f.device} throttled to ${f.iops} IOPS and ${f.bytesPerSecond} bytes/s each way`);
    });
  fault
    .command('status')
    .description('the faults in force, as JSON')
    .addOption(workDirOption())
    .action((_o: unknown, c: Command) => {
      const { dir } = clusterIn(c);
      say(JSON.stringify(readFaults(dir), null, 2));
    });
  return fault;
}

export function addNetnsCommands(local: Command): Command {
  return local.addCommand(execCommand()).addCommand(faultCommand());
}
