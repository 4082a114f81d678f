// A child process of the offer benchmark: `child.js <role> ...`. Roles:
//   master [port masters dir]   a master (alone, or one of a replica set); answers {type:'stats'} with
//                               whether it leads, its CPU, RSS and message counts
//   agents <master> <n> <from> [perRuntime]   n simulated agents, perRuntime to a runtime (default all in one:
//                               one connection to each master); reports freed resources
//   frameworks <master> <n> <scale> <seed>   n greedy frameworks; reports offers
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Random, Runtime, WsTransport, createLogger, realClock } from 'libprocess-ts';
import { SimulatedAgentProcess } from '../../agent/simulated.js';
import { startMaster } from '../../master/main.js';
import type { AllocatorProcess } from '../../master/allocator/process.js';
import { Resources } from '../../protocol/resources.js';
import { AGENT_RESOURCES, now, startFrameworks, type FrameworkStats } from './workload.js';

const [role, ...args] = process.argv.slice(2);
// A report on a timer may go out while the parent is closing the channel (it has disconnected, the 'disconnect'
// event not yet run): an error then goes to the callback, not to an unhandled 'error' event that ends the child.
const send = (m: unknown): void => {
  if (process.connected) process.send!(m, undefined, {}, () => {});
};

// Every child answers {type:'loop'} with how late its event loop ran since the
// last ask (p99 and max, ms): a stalled child delays offers as much as a slow master.
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
process.on('message', (msg: { type: string }) => {
  if (msg.type !== 'loop') return;
  send({ type: 'loop', role, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 });
  loopDelay.reset();
});
const quiet = createLogger('bench', 'error');

async function runtime(name: string): Promise<Runtime> {
  const transport = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn: () => {} }, maxQueuedMessages: 10_000_000 });
  return new Runtime({ transport, clock: realClock, name, logger: quiet }).start();
}

switch (role) {
  case 'master': {
    // `master [port mastersCsv workDir]`: alone on a free port, or one of a replica set (replicated log under workDir).
    const [portText, mastersCsv, workDir] = args;
    const flags = { agentPingTimeoutMs: 15_000, allocateOnRecovery: process.env['BENCH_ALLOCATOR'] === 'paper' };
    const m = mastersCsv === undefined
      ? await startMaster({ ip: '127.0.0.1', port: 0, logger: quiet, flags })
      : await startMaster({ ip: '127.0.0.1', port: Number(portText), masters: mastersCsv.split(','), workDir: workDir!, logger: quiet, flags });
    process.on('message', (msg: { type: string; agents?: string[] }) => {
      if (msg.type !== 'inspect') return;
      // Why an agent's freed resources were not offered: the allocator's and the master's views of it.
      const core = 'allocator' in m ? (m.allocator as AllocatorProcess).core : undefined;
      const books = m.master;
      send({
        type: 'inspect',
        agents: (msg.agents ?? []).map((id) => {
          const a = core?.agentInfo(id);
          const agent = books?.state.agents.get(id);
          return {
            id,
            allocator: a === undefined ? null : { active: a.active, available: a.available.toString(), allocated: Object.fromEntries([...a.allocated].map(([f, r]) => [f, r.toString()])), filters: a.filters, mark: a.mark },
            master: agent === undefined ? null : { active: agent.active, connected: agent.connected, tasks: [...agent.tasks].flatMap(([f, ts]) => [...ts.values()].map((t) => `${f}/${t.task_id.value}:${t.state}${t.status_update_state !== undefined ? ` (delivering ${t.status_update_state})` : ''}`)), offers: [...(books?.state.offers.ofAgent(id) ?? [])].map((o) => `${o.id} to ${o.frameworkId}: ${o.resources.toString()}`) },
          };
        }),
      });
    });
    process.on('message', (msg: { type: string; gc?: boolean }) => {
      if (msg.type !== 'stats') return;
      // `gc`: collect first (the master child runs with --expose-gc), so heap_used is what the master keeps.
      if (msg.gc === true) (globalThis as { gc?: () => void }).gc?.();
      const r = m.runtime.metrics();
      const mem = process.memoryUsage();
      const leading = m.master;
      const metrics = leading?.metrics() ?? {};
      send({
        type: 'stats',
        leading: leading !== undefined,
        cpu: process.cpuUsage(),
        rss: mem.rss,
        heap_used: mem.heapUsed,
        at: now(),
        messages: (r['messages_received_remote'] ?? 0) + (r['messages_sent_remote'] ?? 0),
        frames: (r['transport/frames_received'] ?? 0) + (r['transport/frames_sent'] ?? 0),
        agents: leading?.state.agents.size ?? 0,
        running: metrics['master/tasks_running'] ?? 0,
        finished: metrics['master/tasks_finished'] ?? 0,
      });
    });
    send({ type: 'ready', pid: m.pid.toString() });
    process.on('disconnect', () => void m.stop().then(() => process.exit(0)));
    break;
  }
  case 'agents': {
    const [master, countText, fromText, perRuntimeText] = args;
    const count = Number(countText);
    const from = Number(fromText);
    // Real agents each have their own connection; one connection for thousands of simulated ones is a bottleneck
    // of its own (its keepalive pong waits behind megabytes of messages, and a cut drops every agent at once).
    const perRuntime = perRuntimeText !== undefined ? Number(perRuntimeText) : count;
    if (!(Number.isInteger(perRuntime) && perRuntime > 0)) throw new Error(`agents: perRuntime must be a positive integer, got ${perRuntimeText}`);
    const runtimes: Runtime[] = [];
    for (let i = 0; i < Math.max(1, Math.ceil(count / perRuntime)); i++) runtimes.push(await runtime(`agents${i}`));
    let freed: [string, number][] = [];
    for (let i = 0; i < count; i++) {
      const r = runtimes[Math.floor(i / perRuntime)]!;
      const agent = new SimulatedAgentProcess({
        master: master!,
        resources: Resources.parse(AGENT_RESOURCES),
        hostname: `sim-${from + i}`,
        random: new Random(from + i + 1),
        backoffMs: Math.max(1000, count / 10),
        onFreed: (id, at) => freed.push([id, at]),
      });
      r.spawn(agent, `slave(${from + i + 1})`);
    }
    const flush = (): void => {
      if (freed.length > 0) send({ type: 'freed', freed });
      freed = [];
    };
    const timer = setInterval(flush, 250);
    send({ type: 'ready' });
    process.on('disconnect', () => {
      clearInterval(timer);
      void Promise.all(runtimes.map((r) => r.stop())).then(() => process.exit(0));
    });
    break;
  }
  case 'frameworks': {
    const [master, countText, scaleText, seedText] = args;
    const r = await runtime('frameworks');
    const stats: FrameworkStats = { offers: [], launched: 0, finished: 0 };
    await startFrameworks(r, master!, Number(countText), Number(scaleText), Number(seedText), stats);
    const timer = setInterval(() => {
      if (stats.offers.length > 0) send({ type: 'offers', offers: stats.offers, launched: stats.launched, finished: stats.finished });
      stats.offers = [];
    }, 250);
    send({ type: 'ready' });
    process.on('disconnect', () => {
      clearInterval(timer);
      void r.stop().then(() => process.exit(0));
    });
    break;
  }
  default:
    console.error(`offers child: unknown role ${role}`);
    process.exit(2);
}
