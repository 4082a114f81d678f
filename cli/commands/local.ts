import { spawn, type ChildProcess } from 'node:child_process';
import { MASTER_NODE_FLAGS } from '../../master/main.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { findLeader, mdnsNameOption, parseMdnsName } from '../discovery.js';
import { parseBool, parsePort, parsePositiveInt } from '../durations.js';
import { freePorts } from '../free-ports.js';
import { onShutdown, say } from '../process-util.js';
import { generateClusterCredentials, registerCluster, type ClusterCredentials } from '../credentials.js';
import { endTasks } from '../end-tasks.js';
import { addNetnsCommands } from './local-netns.js';
import { checkHosts, keepaliveEnv, netnsHosts, parseHosts, type NetnsHosts } from '../netns/hosts.js';
import { agentProcessEnv } from '../../agent/thread-pool.js';

interface Member {
  readonly name: string;
  readonly child: ChildProcess;
  url: string;
  readonly exited: Promise<number | null>;
}

/**
 * What agent i of n is given: the user's --resources, plus its own slice of
 * the port range when the user named no ports (agents on one machine would
 * otherwise all detect, and offer, the same [31000-32000]).
 */
export function agentResources(given: string | undefined, i: number, n: number): string {
  if (given !== undefined && /(^|;)\s*ports\b/.test(given)) return given;
  const span = Math.max(1, Math.floor(1001 / n));
  const ports = `ports:[${31000 + i * span}-${31000 + (i + 1) * span - 1}]`;
  return given === undefined || given.trim() === '' ? ports : `${given};${ports}`;
}

/**
 * The machine agent i (from 0) of `local` stands for: its own loopback
 * address from 127.0.0.2 on (Linux routes all of 127/8 to lo) and its own
 * hostname, so that maintenance, one-per-host constraints and experiments
 * can tell the agents apart. `distinct` false: every agent on 127.0.0.1,
 * named localhost (hosts where only 127.0.0.1 is configured).
 */
export function agentMachine(i: number, distinct: boolean): { ip: string; hostname: string } {
  if (!distinct) return { ip: '127.0.0.1', hostname: 'localhost' };
  const n = i + 2;
  if (n > 0xfffffe) throw new Error(`--agents: at most ${0xfffffe - 1} agents have a loopback address of their own`);
  return { ip: `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, hostname: `agent${i + 1}.local` };
}

/** The line a master or agent prints once it listens: '... at http://HOST:PORT/...'. */
const LISTENING = /listening.* at (http:\/\/[^/\s]+)/;

/**
 * Starts `mesos-ts <args>` as a child OS process whose output lines are
 * prefixed with its name; resolves with its URL once it says it listens.
 */
function startMember(name: string, args: string[], env: NodeJS.ProcessEnv, netns?: string): Promise<Member> {
  // main.ts beside us when run from sources (tests), main.js when built.
  const cli = fileURLToPath(new URL(`../main.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
  const nodeFlags = args[0] === 'master' ? MASTER_NODE_FLAGS : [];
  const command = [process.execPath, ...process.execArgv, ...nodeFlags, cli, ...args];
  // In a netns cluster, `ip netns exec` execs node in the member's namespace (the pid stays the member's).
  const argv = netns === undefined ? command : ['ip', 'netns', 'exec', netns, ...command];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const prefix = (line: string): void => void process.stdout.write(`[${name}] ${line}\n`);
  createInterface({ input: child.stderr! }).on('line', prefix);
  return new Promise((resolvePromise, reject) => {
    let done = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      prefix(line);
      const m = LISTENING.exec(line);
      if (m && !done) {
        done = true;
        resolvePromise({ name, child, url: m[1]!, exited });
      }
    });
    void exited.then((code) => {
      if (!done) reject(new Error(`${name} exited (status ${code}) before it was listening; see its output above`));
    });
  });
}

/** Runs the test framework against the cluster as its own OS process, its lines prefixed. */
function runTestFramework(file: string, master: string, tasks: number, env: NodeJS.ProcessEnv, credentialFile: string | undefined): void {
  const child = spawn(process.execPath, [...process.execArgv, file, '--master', master, '--tasks', String(tasks), ...(credentialFile !== undefined ? ['--credential', credentialFile] : [])], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const prefix = (line: string): void => void process.stdout.write(`[test-framework] ${line}\n`);
  createInterface({ input: child.stdout! }).on('line', prefix);
  createInterface({ input: child.stderr! }).on('line', prefix);
  child.once('exit', (code) => say(code === 0 ? `test framework done: all ${tasks} tasks finished; the cluster keeps running (Ctrl-C stops it)` : `test framework exited with status ${code}`));
}

/** `--agent_flags`: whitespace-separated `--name=value` flags passed to every agent as they are. */
export function extraAgentFlags(text: string | undefined): string[] {
  const flags = (text ?? '').split(/\s+/).filter((f) => f !== '');
  for (const f of flags) if (!/^--[a-z_]+=/.test(f)) throw new Error(`--agent_flags: ${JSON.stringify(f)} is not --name=value`);
  return flags;
}

export function localCommand(): Command {
  return addNetnsCommands(new Command('local'))
    .description('start a local cluster: masters and agents as separate OS processes on loopback addresses')
    .addOption(new Option('--masters <n>', 'number of masters (more than one: high availability, a replicated log and one leader)').default('3'))
    .addOption(new Option('--agents <n>', 'number of agents (0 with --simulated-agents: only simulated ones)').default('3'))
    .addOption(new Option('--work_dir <dir>', 'where masters and agents keep their files (default: a new temporary directory)'))
    .addOption(new Option('--port <port>', "the first master's port; the others take the next ones (0: any free ports)").default('5050'))
    .addOption(new Option('--resources <text>', "each agent's resources (default: detected; unless ports are given, [31000-32000] is split among the agents so no two offer the same port)"))
    .addOption(new Option('--isolation <list>', "the agents' isolators").default('posix/cpu,posix/mem').env('MESOS_ISOLATION'))
    .addOption(new Option('--agent_flags <flags>', 'more flags for every agent, e.g. "--isolation=... --image_providers=docker --docker_registry=/srv/images" (MESOS_* variables in the environment reach every agent too)'))
    .addOption(new Option('--distinct_machines <bool>', 'each agent a machine of its own: agent N at 127.0.0.(N+1) with hostname agentN.local (false: all at 127.0.0.1, localhost)').default('true'))
    .addOption(new Option('--hosts <kind>', 'loopback: every node on this host\'s loopback addresses; netns (root only): each master and agent in a network namespace of its own, joined by a bridge, addresses from 198.51.100.0/24 or 192.0.2.0/24 (`local exec`, `local fault`)').default('loopback'))
    .addOption(new Option('--keepalive <duration>', 'how often every connection is pinged: one that leaves 3 pings in a row unanswered is closed, so a half-open connection is found within four times this (default 5secs; 500ms with --hosts=netns)'))
    .addOption(new Option('--simulated-agents <n>', 'also start this many simulated agents (tasks only pretend to run) in one more OS process'))
    .addOption(new Option('--mdns <bool>', 'the masters announce themselves over mDNS, so commands find them without --master (make local turns it on)').default('false'))
    .addOption(mdnsNameOption())
    .addOption(new Option('--test_framework <tasks>', 'once the cluster is up, run the test framework with this many tasks (the cluster stays up after it)'))
    .addOption(new Option('--authenticate_http_readonly <bool>', 'read-only endpoints (state, metrics, the web UI\'s data) need credentials too').default('false'))
    .addOption(new Option('--acls <json|file>', "the masters' --acls (Mesos's ACL JSON)"))
    .addOption(new Option('--insecure', 'no credentials, no authentication anywhere (a warning says so)'))
    .addOption(new Option('--keep_tasks', 'when stopped, leave the tasks running (default: every framework is torn down and its tasks end before the cluster stops)'))
    .addHelpText('after', `
Writes <work_dir>/cluster.json: {"masters":[{"url","pid"}],"leader","agents":[{"url","pid"}],"credentials"}.
Safe by default: <work_dir>/credentials.json (mode 0600) holds generated secrets for the
principals mesos-ts-cluster (masters and agents) and operator (you, the CLI, frameworks);
masters authenticate frameworks, agents and read-write HTTP calls against it (HTTP Basic),
agents their read-write HTTP calls; state, metrics and the web UI stay readable. The CLI
finds the operator's credential through cluster.json; elsewhere give --principal/--secret.
--insecure turns all of it off.
Masters after the first take the ports after --port; each is given the others' addresses (--masters).
Each agent is a machine of its own: agent1 listens on 127.0.0.2 as agent1.local, agent2 on
127.0.0.3 as agent2.local, ... (the masters on 127.0.0.1); maintenance schedules name them
by either (mesos-ts maintenance schedule --machines=agent2.local).
--hosts=netns (root): each master and agent in a network namespace of its own (mts<slot>-<node>)
on a bridge, addresses from 198.51.100.0/24 or 192.0.2.0/24, masters on :5050 and agents on :5051;
cluster.json names each node's netns and ip; then \`mesos-ts local exec <node> -- cmd\` and
\`mesos-ts local fault partition|loss|slow-link|delay|slow-disk|heal|status\` (--work_dir).
Ctrl-C (or SIGTERM) first tears down every framework, so the tasks the agents run end too
(unless --keep_tasks), then stops every process it started.

Examples:
  $ mesos-ts local
  $ mesos-ts local --agents=10 --resources='cpus:2;mem:2048' --work_dir=/tmp/cluster
  $ mesos-ts local --masters=1
  $ sudo mesos-ts local --hosts=netns --work_dir=/tmp/c
  $ curl -u operator:$(jq -r .secret /tmp/cluster/operator-credential.json) -H 'content-type: application/json' \\
      -d '{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"eng","weight":2}]}}' http://127.0.0.1:5050/api/v1`)
    .action(async (o: Record<string, string | undefined>) => {
      const masters = parsePositiveInt('masters', o['masters']!);
      // Simulated agents may stand in for every real one (`--agents=0 --simulated-agents=1000`).
      const agents = o['agents'] === '0' && o['simulatedAgents'] !== undefined ? 0 : parsePositiveInt('agents', o['agents']!);
      const distinct = parseBool('distinct_machines', o['distinct_machines']!);
      const firstPort = parsePort('port', o['port']!);
      const mdns = parseBool('mdns', o['mdns']!);
      const mdnsName = parseMdnsName(o['mdns_name']);
      if (firstPort !== 0 && firstPort + masters - 1 > 65535) throw new Error(`--port=${firstPort}: ${masters} masters need ports ${firstPort}-${firstPort + masters - 1}, beyond 65535; pick a lower --port (or 0)`);
      const hostsKind = parseHosts(o['hosts']!);
      checkHosts(hostsKind);
      const workDir = resolve(o['work_dir'] ?? mkdtempSync(join(tmpdir(), 'mesos-ts-local-')));
      mkdirSync(workDir, { recursive: true });
      const env = { ...process.env, ...keepaliveEnv(o['keepalive'], hostsKind) };
      const members: Member[] = [];
      // --hosts=netns: a namespace per node, made before any starts and removed after all have stopped.
      const hosts: NetnsHosts | undefined = hostsKind === 'netns' ? await netnsHosts(workDir, masters, agents, firstPort, say) : undefined;
      const readonly = parseBool('authenticate_http_readonly', o['authenticate_http_readonly']!);
      const insecure = o['insecure'] !== undefined && (o['insecure'] as unknown) !== false;
      if (insecure) say('WARNING: --insecure: no credentials; anyone who can reach these ports can run commands as this user, tear down frameworks and mark agents gone');
      const creds: ClusterCredentials | undefined = insecure ? undefined : generateClusterCredentials(workDir);
      const masterSecurity = creds === undefined ? [] : [`--credentials=${creds.file}`, '--authenticate_frameworks=true', '--authenticate_agents=true', '--authenticate_http_readwrite=true', `--authenticate_http_readonly=${readonly}`];
      if (o['acls'] !== undefined) masterSecurity.push(`--acls=${o['acls']}`);
      const agentSecurity =
        creds === undefined
          ? ['--authenticate_http_executors=false']
          : [`--http_credentials=${creds.file}`, '--authenticate_http_readwrite=true', `--authenticate_http_readonly=${readonly}`, `--credential=${creds.clusterFile}`];
      let unregister = (): void => {};
      const stopAll = async (): Promise<void> => {
        unregister();
        for (const m of [...members].reverse()) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGTERM');
        await Promise.all(members.map((m) => m.exited));
        await hosts?.destroy();
      };
      // Set once the cluster is up: on Ctrl-C or SIGTERM, the tasks end before the processes stop.
      let endAll: (() => Promise<string>) | undefined;
      const keepTasks = o['keep_tasks'] !== undefined && (o['keep_tasks'] as unknown) !== false;
      onShutdown(async () => {
        if (endAll !== undefined && !keepTasks) {
          await endAll().then(
            (what) => say(`tasks: ${what}`),
            (err: unknown) => say(`tasks: could not tear the frameworks down (${(err as Error).message}); stopping anyway`),
          );
        }
        await stopAll();
      });
      try {
        say(`starting ${masters} master(s) and ${agents} agent(s); work dir ${workDir}`);
        // A replica set names every master, so their ports are chosen before any starts.
        const ports = hosts !== undefined ? hosts.masterPorts : masters === 1 ? [firstPort] : firstPort === 0 ? await freePorts(masters) : Array.from({ length: masters }, (_, i) => firstPort + i);
        const masterIp = (i: number): string => hosts?.masterIp(i) ?? '127.0.0.1';
        const replicaSet = ports.map((p, i) => `${masterIp(i)}:${p}`).join(',');
        const masterName = (i: number): string => (masters === 1 ? 'master' : `master${i + 1}`);
        const started0 = await Promise.all(
          ports.map((p, i) =>
            startMember(masterName(i), ['master', `--ip=${masterIp(i)}`, `--port=${p}`, `--work_dir=${join(workDir, masterName(i))}`, `--mdns=${mdns}`, `--mdns_name=${mdnsName}`, ...(masters > 1 ? [`--masters=${replicaSet}`] : []), ...masterSecurity], env, hosts?.netnsOf(masterName(i))),
          ),
        );
        members.push(...started0);
        const address = started0.map((m) => m.url.replace(/^http:\/\//, '')).join(',');
        const started = await Promise.all(
          Array.from({ length: agents }, (_, i) =>
            startMember(`agent${i + 1}`, ['agent', `--master=${address}`, `--ip=${hosts?.agentIp(i) ?? agentMachine(i, distinct).ip}`, `--hostname=${agentMachine(i, distinct).hostname}`, `--port=${hosts !== undefined ? 5051 : 0}`, `--work_dir=${join(workDir, `agent${i + 1}`)}`, `--isolation=${o['isolation']}`, `--resources=${agentResources(o['resources'], i, agents)}`, ...agentSecurity, ...extraAgentFlags(o['agent_flags'])], agentProcessEnv(env), hosts?.netnsOf(`agent${i + 1}`)),
          ),
        );
        members.push(...started);
        if (o['simulatedAgents'] !== undefined) {
          const n = parsePositiveInt('simulated-agents', o['simulatedAgents']);
          // Under netns they stay in the root namespace, on the bridge's address (the masters reach it there).
          members.push(await startMember('simulated', ['simulated-agents', `--master=${address}`, `--count=${n}`, ...(hosts !== undefined ? [`--ip=${hosts.network.bridge_ip}`] : []), ...(creds !== undefined ? [`--credential=${creds.clusterFile}`] : [])], env));
        }
        const leader = `http://${await findLeader(address, 15_000)}`;
        const cluster = {
          masters: started0.map((m) => ({ url: m.url, pid: m.child.pid, ...hosts?.describe(m.name) })),
          leader,
          agents: started.map((a) => ({ url: a.url, pid: a.child.pid, ...hosts?.describe(a.name) })),
          ...(hosts !== undefined ? { hosts: 'netns', network: hosts.network } : {}),
          ...(o['simulatedAgents'] !== undefined ? { simulated_agents: { url: members.at(-1)!.url, pid: members.at(-1)!.child.pid, count: Number(o['simulatedAgents']) } } : {}),
          // Where the secrets are (the files, mode 0600; never the secrets themselves): null with --insecure.
          credentials: creds === undefined ? null : { file: creds.file, operator: creds.operatorFile, cluster: creds.clusterFile },
        };
        writeFileSync(join(workDir, 'cluster.json'), JSON.stringify(cluster, null, 2) + '\n');
        // Masters and agents: a command that talks to an agent alone (logging level --agent) finds the credential too.
        if (creds !== undefined) unregister = registerCluster([...address.split(','), ...started.map((a) => a.url.replace(/^http:\/\//, ''))], join(workDir, 'cluster.json'));
        endAll = () => endTasks(address, started.map((a) => a.url), creds?.operator);
        say(`cluster up: web UI and APIs at ${leader}/ ; state at ${leader}/master/state${masters > 1 ? ` (the leader of ${masters} masters; the others redirect to it)` : ''}`);
        say(`cluster.json: ${join(workDir, 'cluster.json')}   (Ctrl-C stops everything)`);
        if (creds !== undefined) say(`credentials: ${creds.file} (principals ${creds.operator.principal} and mesos-ts-cluster); read-write HTTP needs them, e.g. curl -u ${creds.operator.principal}:<secret>; mesos-ts commands find them through cluster.json`);
        if (o['test_framework'] !== undefined) {
          const tasks = parsePositiveInt('test_framework', o['test_framework']);
          const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
          const example = fileURLToPath(new URL(`../../examples/test-framework/main.${ext}`, import.meta.url));
          runTestFramework(example, address, tasks, env, creds?.operatorFile);
        }
        for (const m of members) {
          void m.exited.then((code) => {
            if (code !== 0 && code !== null) say(`${m.name} exited with status ${code}`);
          });
        }
      } catch (err) {
        await stopAll();
        throw err;
      }
    });
}
