// The operator commands against a real local cluster of 3 masters, each command given only a
// master that does not lead (it follows to the leader): quota get|set|remove, weights get|set,
// logging level, task kill, framework teardown, ls; bad input (a malformed quota, an unknown task or framework,
// no master reachable) answered with a clear message and a non-zero exit; every --help with an
// example. And the shell completion generated from the program.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { promisify } from 'node:util';
import { startLocal, type LocalCluster } from '../../test/cluster.js';
import { testIf } from '../../test/skip.js';
import { runBuilt, stopAll, waitForOutput, runCli } from '../../test/processes.js';

const run = promisify(execFile);

/** `mesos-ts <args>` from the build, once it has exited. */
const cli = runCli;

let cluster: LocalCluster;
let follower: string;

beforeAll(async () => {
  cluster = await startLocal({ masters: 3, agents: 1 });
  follower = cluster.masters.map((m) => m.url.replace('http://', '')).find((a) => `http://${a}` !== cluster.leader)!;
}, 60_000);

afterAll(async () => {
  // The cluster first: it stops its masters and agents; then any CLI process a failed test left.
  await cluster?.stop();
  await stopAll('SIGKILL');
});

describe('operator commands, given a master that does not lead', () => {
  test('quota set, get, remove; a malformed quota', async () => {
    const m = `--master=${follower}`;
    const set = await cli(['quota', 'set', 'eng', "--guarantee=cpus:0.5;mem:64", '--limit=cpus:1', m]);
    expect(set.err).toBe('');
    expect(set.code).toBe(0);
    const got = await cli(['quota', 'get', m]);
    expect(got.out).toMatch(/eng\s+cpus:0\.5;mem:64\s+cpus:1/);
    const json = JSON.parse((await cli(['quota', 'get', 'eng', '--json', m])).out) as unknown;
    expect(json).toEqual([{ role: 'eng', guarantees: { cpus: { value: 0.5 }, mem: { value: 64 } }, limits: { cpus: { value: 1 } } }]);

    const malformed = await cli(['quota', 'set', 'eng', '--guarantee=cpus:lots', m]);
    expect(malformed.code).toBe(1);
    expect(malformed.err).toContain("--guarantee=cpus:lots: 'cpus:lots' is not NAME:NUMBER");
    const above = await cli(['quota', 'set', 'eng', '--guarantee=cpus:2', '--limit=cpus:1', m]); // refused by the master
    expect(above.code).toBe(1);
    expect(above.err).toContain('the guarantee of cpus (2) is above its limit (1)');
    const star = await cli(['quota', 'set', '*', '--limit=cpus:1', m]);
    expect(star.err).toContain("quota cannot be set for role '*'");

    expect((await cli(['quota', 'remove', 'eng', m])).code).toBe(0);
    expect((await cli(['quota', 'get', 'eng', m])).out).toBe('role eng has no quota\n');
  }, 60_000);

  test('weights set and get; a bad weight', async () => {
    const m = `--master=${follower}`;
    expect((await cli(['weights', 'set', 'eng=2', 'ads=0.5', m])).code).toBe(0);
    const json = JSON.parse((await cli(['weights', 'get', '--json', m])).out) as { role: string; weight: number }[];
    expect(json.sort((a, b) => (a.role < b.role ? -1 : 1))).toEqual([{ role: 'ads', weight: 0.5 }, { role: 'eng', weight: 2 }]);
    const bad = await cli(['weights', 'set', 'eng=0', m]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("'eng=0' is not ROLE=WEIGHT with a weight above 0");
  }, 30_000);

  test('ls and task kill of a long task; framework teardown of another; unknown ids', async () => {
    const m = `--master=${follower}`;
    const sleeper = runBuilt('cli/main.ts', ['execute', `--master=${cluster.masterList}`, '--name=sleeper', '--command=echo started; exec sleep 300']);
    await waitForOutput(sleeper, (o) => o.includes('TASK_RUNNING'), 'TASK_RUNNING');

    const ls = await cli(['ls', 'sleeper', m]);
    expect(ls.code).toBe(0);
    expect(ls.out).toMatch(/^-rw\S*\s+1\s+\S+\s+\S+\s+8\s+\S+\s+stdout$/m); // "started\n"
    const missing = await cli(['ls', 'sleeper', 'nope', m]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('nope: no such file or directory in the sandbox of task sleeper');

    const kill = await cli(['task', 'kill', 'sleeper', m]);
    expect(kill.err).toBe('');
    expect(kill.out).toContain('task sleeper is in state TASK_KILLED');
    expect(kill.code).toBe(0);
    expect(await sleeper.done).toBe(137); // execute saw it killed
    expect(sleeper.stdout()).toContain("Received status update TASK_KILLED for task 'sleeper'");
    const again = await cli(['task', 'kill', 'sleeper', m]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('task sleeper has already ended: TASK_KILLED');
    const unknown = await cli(['task', 'kill', 'nope', m]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no task nope is known to the master');

    const other = runBuilt('cli/main.ts', ['execute', `--master=${cluster.masterList}`, '--name=other', '--command=exec sleep 300']);
    await waitForOutput(other, (o) => o.includes('TASK_RUNNING'), 'TASK_RUNNING');
    const id = /subscribed as framework (\S+)/.exec(other.stdout())![1]!;
    const teardown = await cli(['framework', 'teardown', id, m]);
    expect(teardown.out).toBe(`framework ${id} torn down\n`);
    expect(teardown.code).toBe(0);
    expect(await other.done).not.toBe(0); // its framework is gone
    const noFramework = await cli(['framework', 'teardown', 'no-such-framework', m]);
    expect(noFramework.code).toBe(1);
    expect(noFramework.err).toContain('no framework no-such-framework is subscribed to the master');
  }, 90_000);

  test('logging level: of the leader and of an agent, set for a while; bad input', async () => {
    const m = `--master=${follower}`;
    const leader = cluster.leader.replace('http://', '');
    expect((await cli(['logging', 'level', m])).out).toBe(`logging level of ${leader}: 0\n`);
    const set = await cli(['logging', 'level', '2', '--duration=1mins', m]);
    expect([set.code, set.out]).toEqual([0, `logging level of ${leader}: 2 for 1mins\n`]);
    expect((await cli(['logging', 'level', m])).out).toBe(`logging level of ${leader}: 2\n`);
    const agent = cluster.agents[0]!.url.replace('http://', '');
    expect((await cli(['logging', 'level', '1', '--duration=30secs', `--agent=${agent}`])).code).toBe(0);
    expect((await cli(['logging', 'level', `--agent=${agent}`])).out).toBe(`logging level of ${agent}: 1\n`);
    const noDuration = await cli(['logging', 'level', '1', m]);
    expect([noDuration.code, noDuration.err]).toEqual([1, 'mesos-ts: logging level: setting a level needs --duration (how long it lasts, e.g. --duration=10mins)\n']);
    const notLevel = await cli(['logging', 'level', 'loud', '--duration=1mins', m]);
    expect([notLevel.code, notLevel.err]).toEqual([1, 'mesos-ts: logging level loud: expected a whole number of 0 or more\n']);
  }, 30_000);

  test('no master reachable: a clear message and exit 1', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve())); // nothing listens there now
    for (const args of [['quota', 'get'], ['weights', 'set', 'eng=2'], ['task', 'kill', 'x'], ['framework', 'teardown', 'x'], ['ls', 'x'], ['logging', 'level']]) {
      const r = await cli([...args, `--master=127.0.0.1:${port}`]);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 1]);
      expect(r.err).toContain('no leading master reachable');
    }
  }, 30_000);

  test('every new command has --help with an example', async () => {
    for (const args of [['task', 'kill'], ['framework', 'teardown'], ['quota', 'get'], ['quota', 'set'], ['quota', 'remove'], ['weights', 'get'], ['weights', 'set'], ['logging', 'level'], ['ls'], ['completion']]) {
      const help = await cli([...args, '--help']);
      expect([args.join(' '), help.code]).toEqual([args.join(' '), 0]);
      const examples = help.out.slice(help.out.search(/Examples?:\n/));
      expect(examples).toMatch(/^Examples?:\n\s+\$ /);
      expect(examples).toContain(`mesos-ts ${args[0]}`);
    }
  }, 30_000);
});

describe('completion', () => {
  test('bash: every command of --help, and what follows each command path', async () => {
    const help = (await cli(['--help'])).out;
    const commands = help.slice(help.indexOf('Commands:')).split('\n').slice(1).map((l) => /^ {2}([a-z-]+)/.exec(l)?.[1]).filter((c): c is string => c !== undefined && c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['master', 'agent', 'local', 'execute', 'tasks', 'task', 'framework', 'quota', 'weights', 'logging', 'ls', 'completion']));
    const script = await cli(['completion', 'bash']);
    expect(script.code).toBe(0);
    const top = /^ {4}""\) echo "([^"]*)"/m.exec(script.out)![1]!.split(' ');
    for (const c of commands) expect(top).toContain(c);

    // The script in bash: what it offers after each typed line.
    const offer = async (...words: string[]): Promise<string[]> => {
      const line = `eval "$SCRIPT"; COMP_WORDS=(mesos-ts ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _mesos_ts; echo "\${COMPREPLY[*]}"`;
      const { stdout } = await run('bash', ['-c', line], { env: { ...process.env, SCRIPT: script.out } });
      return stdout.trim().split(' ').sort();
    };
    expect(await offer('quota', '')).toEqual(['--help', 'get', 'remove', 'set']);
    expect(await offer('quota', 'set', '--master', '127.0.0.1:5050', '--g')).toEqual(['--guarantee']);
    expect(await offer('ta')).toEqual(['tail', 'task', 'tasks']);
    expect(await offer('task', 'kill', '--ti')).toEqual(['--timeout']);
    await expect(run('bash', ['-n', '-c', script.out])).resolves.toBeDefined();

    const zsh = await cli(['completion', 'zsh']);
    expect(zsh.out.startsWith('#compdef mesos-ts\n')).toBe(true);
    const zshTop = /^ {4}""\) echo "([^"]*)"/m.exec(zsh.out)![1]!.split(' ');
    for (const c of commands) expect(zshTop).toContain(c);
    const bad = await cli(['completion', 'fish']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('completion fish: expected bash or zsh');
  }, 30_000);

  const zsh = spawnSync('zsh', ['--version']).status === 0 ? null : 'zsh is not installed here (Debian package zsh)';
  testIf(zsh)('zsh: the script in zsh offers what follows each command path', async () => {
    const script = (await cli(['completion', 'zsh'])).out;
    // compadd and compdef stand in for zsh's completion system (compinit): they print what is offered.
    const offer = async (...typed: string[]): Promise<string[]> => {
      const line = `compadd() { shift; print -l -- "$@"; }; compdef() {}; eval "$SCRIPT"; words=(mesos-ts ${typed.map((w) => `'${w}'`).join(' ')}); CURRENT=${typed.length + 1}; _mesos_ts`;
      const { stdout } = await run('zsh', ['-c', line], { env: { ...process.env, SCRIPT: script } });
      return stdout.trim().split('\n').sort();
    };
    expect(await offer('quota', '')).toEqual(['--help', 'get', 'remove', 'set']);
    expect(await offer('task', 'kill', '--master', '127.0.0.1:5050', '')).toEqual(['--framework', '--help', '--master', '--mdns_name', '--principal', '--secret', '--timeout']);
    await expect(run('zsh', ['-n', '-c', script])).resolves.toBeDefined();
  }, 30_000);
});
