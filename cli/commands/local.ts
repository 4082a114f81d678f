import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { parsePositiveInt } from '../durations.js';
import { onShutdown, say } from '../process-util.js';

interface Member {
  readonly name: string;
  readonly child: ChildProcess;
  url: string;
  readonly exited: Promise<number | null>;
}

/** The line a master or agent prints once it listens: '... at http://HOST:PORT/...'. */
const LISTENING = /listening.* at (http:\/\/[^/\s]+)/;

/**
 * Starts `mesos-ts <args>` as a child OS process whose output lines are
 * prefixed with its name; resolves with its URL once it says it listens.
 */
function startMember(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<Member> {
  // main.ts beside us when run from sources (tests), main.js when built.
  const cli = fileURLToPath(new URL(`../main.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
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
function runTestFramework(file: string, master: string, tasks: number, env: NodeJS.ProcessEnv): void {
  const child = spawn(process.execPath, [...process.execArgv, file, '--master', master, '--tasks', String(tasks)], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const prefix = (line: string): void => void process.stdout.write(`[test-framework] ${line}\n`);
  createInterface({ input: child.stdout! }).on('line', prefix);
  createInterface({ input: child.stderr! }).on('line', prefix);
  child.once('exit', (code) => say(code === 0 ? `test framework done: all ${tasks} tasks finished; the cluster keeps running (Ctrl-C stops it)` : `test framework exited with status ${code}`));
}

export function localCommand(): Command {
  return new Command('local')
    .description('start a local cluster: masters and agents as separate OS processes on 127.0.0.1')
    .addOption(new Option('--masters <n>', 'number of masters (1 until high availability lands)').default('1'))
    .addOption(new Option('--agents <n>', 'number of agents').default('3'))
    .addOption(new Option('--work_dir <dir>', 'where masters and agents keep their files (default: a new temporary directory)'))
    .addOption(new Option('--port <port>', "the first master's port (0: any free port)").default('5050'))
    .addOption(new Option('--resources <text>', "each agent's resources (default: detected, divided among the agents)"))
    .addOption(new Option('--isolation <list>', "the agents' isolators").default('posix/cpu,posix/mem'))
    .addOption(new Option('--simulated-agents <n>', 'also start this many simulated agents (tasks only pretend to run) in one more OS process'))
    .addOption(new Option('--test_framework <tasks>', 'once the cluster is up, run the test framework with this many tasks (the cluster stays up after it)'))
    .addHelpText('after', `
Writes <work_dir>/cluster.json: {"masters":[{"url","pid"}],"agents":[{"url","pid"}]}.
Ctrl-C (or SIGTERM) stops every process it started.

Examples:
  $ mesos-ts local
  $ mesos-ts local --agents=10 --resources='cpus:2;mem:2048' --work_dir=/tmp/cluster`)
    .action(async (o: Record<string, string | undefined>) => {
      const masters = parsePositiveInt('masters', o['masters']!);
      const agents = parsePositiveInt('agents', o['agents']!);
      if (masters > 1) throw new Error('--masters above 1 needs high availability (replicated log and election), which has not landed yet; use --masters=1');
      const workDir = resolve(o['work_dir'] ?? mkdtempSync(join(tmpdir(), 'mesos-ts-local-')));
      mkdirSync(workDir, { recursive: true });
      const env = { ...process.env };
      const members: Member[] = [];
      const stopAll = async (): Promise<void> => {
        for (const m of [...members].reverse()) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGTERM');
        await Promise.all(members.map((m) => m.exited));
      };
      onShutdown(stopAll);
      try {
        say(`starting ${masters} master(s) and ${agents} agent(s); work dir ${workDir}`);
        const master = await startMember('master', ['master', '--ip=127.0.0.1', `--port=${o['port']}`, `--work_dir=${join(workDir, 'master')}`, '--mdns=false'], env);
        members.push(master);
        const address = master.url.replace(/^http:\/\//, '');
        const started = await Promise.all(
          Array.from({ length: agents }, (_, i) =>
            startMember(`agent${i + 1}`, ['agent', `--master=${address}`, '--ip=127.0.0.1', '--port=0', `--work_dir=${join(workDir, `agent${i + 1}`)}`, `--isolation=${o['isolation']}`, ...(o['resources'] ? [`--resources=${o['resources']}`] : [])], env),
          ),
        );
        members.push(...started);
        if (o['simulatedAgents'] !== undefined) {
          const n = parsePositiveInt('simulated-agents', o['simulatedAgents']);
          members.push(await startMember('simulated', ['simulated-agents', `--master=${address}`, `--count=${n}`], env));
        }
        const cluster = {
          masters: [{ url: master.url, pid: master.child.pid }],
          agents: started.map((a) => ({ url: a.url, pid: a.child.pid })),
          ...(o['simulatedAgents'] !== undefined ? { simulated_agents: { url: members.at(-1)!.url, pid: members.at(-1)!.child.pid, count: Number(o['simulatedAgents']) } } : {}),
        };
        writeFileSync(join(workDir, 'cluster.json'), JSON.stringify(cluster, null, 2) + '\n');
        say(`cluster up: web UI and APIs at ${master.url}/ ; state at ${master.url}/master/state`);
        say(`cluster.json: ${join(workDir, 'cluster.json')}   (Ctrl-C stops everything)`);
        if (o['test_framework'] !== undefined) {
          const tasks = parsePositiveInt('test_framework', o['test_framework']);
          const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
          const example = fileURLToPath(new URL(`../../examples/test-framework/main.${ext}`, import.meta.url));
          runTestFramework(example, address, tasks, env);
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
