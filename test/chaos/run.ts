// The chaos test in the Jepsen style, on real processes: `local --hosts=netns` (3 masters and 3
// agents, each a host of its own, authentication on), the chaos framework launching short tasks,
// a seeded schedule of faults from the kernel (partitions, an asymmetric cut, loss, a slow link
// and disk, SIGKILLs), then everything healed and the tasks drained; the history (JSON lines) and
// a readable report go to `out`, and the invariants (checker.ts) are checked over the history.
//
//   runner ── spawns ── mesos-ts local --hosts=netns ── masters, agents (namespaces mts<N>-*)
//     │  ├── spawns ── framework.ts (in agent1's namespace) ── JSON lines ───────────┐
//     │  ├── polls every master's /master/state (the bridge is never cut) ────────────┤ history
//     │  ├── reads "leads term N" from every master's output ─────────────────────────┤
//     │  └── nemesis: cli/netns/faults.ts on the cluster's work dir, kill -9 + restart ┘
//     └── check(history) → report.md
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Random, realClock } from 'libprocess-ts';
import { heal, partition, setLink, slowDisk } from '../../cli/netns/faults.js';
import { readState, type NetnsState } from '../../cli/netns/network.js';
import { check, leaderCuts, summarize, type ChaosEvent, type Scalars, type Verdict } from './checker.js';
import { schedule, type FaultKind, type Step } from './nemesis.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ChaosOptions {
  readonly seed: number;
  /** How long faults are made (the schedule's length); healing and the drain come after. */
  readonly faultMs: number;
  /** Where the cluster lives; history.jsonl and report.md are written here too. */
  readonly workDir: string;
  readonly kinds?: readonly FaultKind[];
  /** Each line of progress (default: none). */
  readonly log?: (line: string) => void;
}

export interface ChaosResult {
  readonly verdicts: Verdict[];
  readonly history: ChaosEvent[];
  readonly steps: Step[];
  readonly report: string;
}

interface Node {
  readonly name: string;
  readonly netns: string;
  readonly ip: string;
  readonly url: string;
  pid: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => realClock.timer(ms, r));

/** `[masterN] ... master master@IP:PORT leads term T`. */
const LEADS = /^\[(\w+)\].* master (master@[\d.]+:\d+) leads term (\d+)/;

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const log = o.log ?? ((): void => {});
  mkdirSync(o.workDir, { recursive: true });
  const history: ChaosEvent[] = [];
  const record = (e: ChaosEvent): void => void history.push(e);
  const now = (): number => realClock.now();
  const children: ChildProcess[] = [];
  const watch = (child: ChildProcess, prefix: string | undefined, onLine: (line: string) => void): void => {
    for (const s of [child.stdout!, child.stderr!]) createInterface({ input: s }).on('line', (l) => onLine(prefix === undefined ? l : `[${prefix}] ${l}`));
  };
  const leaderLine = (line: string): void => {
    const m = LEADS.exec(line);
    if (m !== null) record({ t: now(), src: 'leader', master: m[2]!, term: Number(m[3]) });
  };

  const local = spawn(process.execPath, ['--no-warnings', join(root, 'dist/cli/main.js'), 'local', '--hosts=netns', '--masters=3', '--agents=3', `--work_dir=${o.workDir}`, '--mdns=false', "--resources=cpus:2;mem:1024;disk:1024"], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LIBPROCESS_LOG_LEVEL: 'info' } });
  children.push(local);
  const localOut: string[] = [];
  const up = new Promise<void>((resolve, reject) => {
    watch(local, undefined, (line) => {
      localOut.push(line);
      leaderLine(line);
      if (line.startsWith('cluster up')) resolve();
    });
    local.once('exit', (code) => reject(new Error(`local exited (${code}) before the cluster was up:\n${localOut.slice(-30).join('\n')}`)));
  });
  const restarted: ChildProcess[] = [];
  let framework: ChildProcess | undefined;
  try {
    await up;
    const state = readState(o.workDir)!;
    const cluster = JSON.parse(readFileSync(join(o.workDir, 'cluster.json'), 'utf8')) as { masters: Node[]; agents: Node[]; credentials: { operator: string } };
    const masters = cluster.masters;
    const agents = cluster.agents;
    const masterList = masters.map((m) => `${m.ip}:5050`).join(',');
    log(`cluster up in slot ${state.plan.slot}: masters ${masterList}`);

    // The framework runs on agent1's host: cut off with it, as a scheduler on a real machine would be.
    const host = agents[0]!;
    framework = spawn('ip', ['netns', 'exec', host.netns, process.execPath, '--import', join(root, 'test/ts-loader.mjs'), '--no-warnings', join(root, 'test/chaos/framework.ts'), '--master', masterList, '--credential', cluster.credentials.operator], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LIBPROCESS_IP: host.ip, LIBPROCESS_LOG_LEVEL: 'warn', LIBPROCESS_KEEPALIVE_INTERVAL_MS: '500' } });
    children.push(framework);
    const frameworkDone = new Promise<void>((resolve) => framework!.once('exit', () => resolve()));
    watch(framework, undefined, (line) => {
      if (!line.startsWith('{')) return log(`[framework] ${line}`);
      try {
        record({ src: 'framework', ...(JSON.parse(line) as object) } as ChaosEvent);
      } catch {
        log(`[framework] ${line}`);
      }
    });

    // Every master's state, twice a second: who leads, and what its books say of each agent.
    let polling = true;
    const poller = (async () => {
      while (polling) {
        await Promise.all(masters.map((m) => pollMaster(m, record)));
        await sleep(500);
      }
    })();

    const leader = async (): Promise<Node> => {
      for (let i = 0; i < 40; i++) {
        for (const m of masters) {
          const r = await fetch(`${m.url}/master/state`, { redirect: 'manual', signal: AbortSignal.timeout(1000) }).catch(() => undefined);
          if (r?.status === 200) {
            await r.body?.cancel();
            return m;
          }
          await r?.body?.cancel();
        }
        await sleep(250);
      }
      return masters[0]!;
    };

    // Let the framework get some tasks going before the first fault.
    await waitFor(() => history.some((e) => e.src === 'framework' && e.ev === 'update' && e.state === 'TASK_RUNNING'), 30_000);
    const steps = schedule(new Random(o.seed), o.faultMs, o.kinds);
    for (const step of steps) {
      const undo = await apply(step, { state, workDir: o.workDir, masters, agents, leader, restarted, watch, leaderLine, record, now });
      log(`fault: ${history.at(-1)?.src === 'nemesis' ? (history.at(-1) as { detail: string }).detail : step.kind}`);
      await sleep(step.holdMs);
      await undo();
      record({ t: now(), src: 'heal', detail: step.kind });
      await sleep(step.quietMs);
    }
    await heal(o.workDir, state);
    record({ t: now(), src: 'heal', detail: 'everything' });

    // Drain: no new tasks; every launched one must end.
    framework.stdin!.write('stop\n');
    await frameworkDone;
    polling = false;
    await poller;
    record({ t: now(), src: 'agents', running: await runningTasks(agents) });

    const verdicts = check(history);
    const report = renderReport(o, steps, history, verdicts);
    writeFileSync(join(o.workDir, 'history.jsonl'), history.map((e) => JSON.stringify(e)).join('\n') + '\n');
    writeFileSync(join(o.workDir, 'report.md'), report);
    return { verdicts, history, steps, report };
  } finally {
    for (const c of [...restarted, framework, local]) if (c !== undefined && c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await Promise.all([...restarted, ...children].map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
  }
}

interface Context {
  readonly state: NetnsState;
  readonly workDir: string;
  readonly masters: Node[];
  readonly agents: Node[];
  readonly leader: () => Promise<Node>;
  readonly restarted: ChildProcess[];
  readonly watch: (child: ChildProcess, prefix: string | undefined, onLine: (line: string) => void) => void;
  readonly leaderLine: (line: string) => void;
  readonly record: (e: ChaosEvent) => void;
  readonly now: () => number;
}

/** Makes the fault of `step`; resolves with what undoes it. */
async function apply(step: Step, c: Context): Promise<() => Promise<void>> {
  // Dated when the fault began to go in (rules go in node by node; the first is in force from then).
  let began = c.now();
  const mark = (): void => void (began = c.now());
  const note = (detail: string): void => c.record({ t: began, src: 'nemesis', op: step.kind, detail });
  const agent = c.agents[step.pick % c.agents.length]!;
  const healAll = async (): Promise<void> => void (await heal(c.workDir, c.state));
  switch (step.kind) {
    case 'isolate-leader': {
      const l = await c.leader();
      mark();
      await partition(c.workDir, c.state, [[l.name]], false);
      note(`partition ${l.name} (the leader) | the rest`);
      return healAll;
    }
    case 'isolate-leader-with-agent': {
      const l = await c.leader();
      mark();
      await partition(c.workDir, c.state, [[l.name, agent.name]], false);
      note(`partition ${l.name} (the leader),${agent.name} | the rest`);
      return healAll;
    }
    case 'isolate-follower': {
      const l = await c.leader();
      const followers = c.masters.filter((m) => m.name !== l.name);
      const f = followers[step.pick % followers.length]!;
      mark();
      await partition(c.workDir, c.state, [[f.name, agent.name]], false);
      note(`partition ${f.name} (a follower),${agent.name} | the rest`);
      return healAll;
    }
    case 'asymmetric-leader': {
      const l = await c.leader();
      mark();
      await partition(c.workDir, c.state, [[l.name]], true);
      note(`one-way: ${l.name} (the leader) cannot send to the others, still hears them`);
      return healAll;
    }
    case 'loss': {
      const n = [...c.masters, ...c.agents][step.pick % 6]!;
      mark();
      await setLink(c.workDir, c.state, n.name, { lossPercent: 30 });
      note(`loss 30% of what ${n.name} sends`);
      return healAll;
    }
    case 'slow-link': {
      const n = [...c.masters, ...c.agents][step.pick % 6]!;
      mark();
      await setLink(c.workDir, c.state, n.name, { rateKbit: 256 });
      note(`slow-link ${n.name} 256kbit`);
      return healAll;
    }
    case 'slow-disk': {
      const l = await c.leader();
      mark();
      await slowDisk(c.workDir, c.state, l.name, 20, 1024 * 1024);
      note(`slow-disk ${l.name} (the leader) 20 IOPS`);
      return healAll;
    }
    case 'kill-master':
    case 'kill-agent': {
      const n = step.kind === 'kill-master' ? c.masters[step.pick % c.masters.length]! : agent;
      const argv = readFileSync(`/proc/${n.pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
      const env = Object.fromEntries(
        readFileSync(`/proc/${n.pid}/environ`, 'utf8')
          .split('\0')
          .filter((kv) => kv.includes('='))
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
      mark();
      process.kill(n.pid, 'SIGKILL');
      note(`SIGKILL ${n.name} (pid ${n.pid})`);
      return async () => {
        const child = spawn('ip', ['netns', 'exec', n.netns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env });
        c.restarted.push(child);
        n.pid = child.pid!;
        c.watch(child, n.name, c.leaderLine);
        c.record({ t: c.now(), src: 'nemesis', op: 'restart', detail: `${n.name} restarted (pid ${n.pid})` });
      };
    }
  }
}

async function pollMaster(m: Node, record: (e: ChaosEvent) => void): Promise<void> {
  try {
    const r = await fetch(`${m.url}/master/state`, { redirect: 'manual', signal: AbortSignal.timeout(1000) });
    if (r.status !== 200) {
      await r.body?.cancel();
      return;
    }
    const s = (await r.json()) as { slaves: { id: string; resources: Scalars; offered_resources: Scalars; used_resources: Scalars }[] };
    record({ t: realClock.now(), src: 'state', master: m.name, agents: s.slaves.map((a) => ({ id: a.id, total: a.resources, offered: a.offered_resources, used: a.used_resources })) });
  } catch {
    // cut off, stopping, or electing: the next poll tries again
  }
}

/** Each agent's tasks of the chaos framework that are not terminal, from its /state. */
async function runningTasks(agents: readonly Node[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const a of agents) {
    const r = await fetch(`${a.url}/slave(1)/state`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    if (r?.status !== 200) continue;
    const s = (await r.json()) as { id: string; frameworks: { name: string; executors: { tasks: { id: string }[] }[] }[] };
    out[a.name] = s.frameworks.filter((f) => f.name === 'chaos').flatMap((f) => f.executors.flatMap((e) => e.tasks.map((t) => t.id)));
  }
  return out;
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = realClock.now() + ms;
  while (!cond()) {
    if (realClock.now() > end) throw new Error(`chaos: the framework ran no task within ${ms} ms`);
    await sleep(100);
  }
}

function renderReport(o: ChaosOptions, steps: readonly Step[], history: readonly ChaosEvent[], verdicts: readonly Verdict[]): string {
  const start = history[0]?.t ?? 0;
  const at = (t: number): string => `${((t - start) / 1000).toFixed(1)} s`;
  const s = summarize(history);
  const lines = [
    `# Chaos run, seed ${o.seed}`,
    '',
    `${steps.length} faults over ${(o.faultMs / 1000).toFixed(0)} s on 3 masters and 3 agents, each in a network namespace of its own; then everything healed and the tasks drained.`,
    `Tasks launched: ${s.launched}; ended: ${Object.entries(s.endings).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}; leader terms: ${s.terms}.`,
    '',
    '## Invariants',
    '',
    '| invariant | holds | what broke |',
    '| --- | --- | --- |',
    ...verdicts.map((v) => `| ${v.invariant} | ${v.ok ? 'yes' : '**no**'} | ${v.problems.slice(0, 5).join('; ')}${v.problems.length > 5 ? ` (and ${v.problems.length - 5} more)` : ''} |`),
    '',
    '## The leader cut off',
    '',
    'Each fault that cut the leader off: how long it still answered /master/state with 200 (polled every 0.5 s: its lease is 0.9 s) and when a new term was led.',
    '',
    ...leaderCuts(history).map((c) => `- ${at(c.at)}: ${c.master} last served ${c.lastServedMs === undefined ? 'before the first poll after the cut' : `${(c.lastServedMs / 1000).toFixed(1)} s after the cut`}; a new leader ${c.newLeaderMs === undefined ? 'not before the heal' : `after ${(c.newLeaderMs / 1000).toFixed(1)} s`}`),
    '',
    '## Timeline (faults, heals, leaders)',
    '',
    ...history.filter((e) => e.src === 'nemesis' || e.src === 'heal' || e.src === 'leader').map((e) => `- ${at(e.t)}: ${e.src === 'leader' ? `${e.master} leads term ${e.term}` : e.src === 'heal' ? `healed (${e.detail})` : e.detail}`),
    '',
    `The whole history: history.jsonl beside this file (${history.length} events).`,
  ];
  return lines.join('\n') + '\n';
}
