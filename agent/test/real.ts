/**
 * Real-process test setup: a scripted master in its own WebSocket runtime and
 * an agent started with startAgent (real Containerizer, temp work dir).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Runtime, WsTransport, createLogger, osSeed, realClock, type PID } from 'libprocess-ts';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import type { FrameworkID } from '../../protocol/types.js';
import { silentLogger } from '../containerizer/index.js';
import { startAgent, type StartAgentOptions, type StartedAgent } from '../main.js';
import type { AgentFlagsInput } from '../flags.js';
import { ScriptedMaster, tempDir } from './helpers.js';
import { waitUntil } from './http-client.js';

export interface RealSetup {
  masterRt: Runtime;
  master: ScriptedMaster;
  masterPid: PID;
  workDir: string;
}

export async function realMaster(): Promise<RealSetup> {
  const masterRt = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn: () => {} } }), clock: realClock, name: 'master', logger: createLogger('master', 'silent') }).start();
  const master = new ScriptedMaster();
  master.autoAck = true;
  const masterPid = masterRt.spawn(master, 'master');
  return { masterRt, master, masterPid, workDir: tempDir() };
}

export async function realAgent(setup: RealSetup, flags: AgentFlagsInput = {}, options: Pick<StartAgentOptions, 'maxUnsentBytes' | 'nvidiaSmi'> = {}): Promise<StartedAgent & { agentPid: PID<MasterToAgent> }> {
  const a = await startAgent(
    {
      master: setup.masterPid.toString(),
      ip: '127.0.0.1',
      port: 0,
      work_dir: setup.workDir,
      resources: 'cpus:2;mem:1024;disk:1024;ports:[31000-32000]',
      registration_backoff_factor: 0,
      fsync: false,
      // Not a fixed seed: the agent's container ids come from it, and with cgroups isolation two tests running at once
      // with the same ids shared one cgroup (mesos-ts/<id>): one test's destroy killed the other's executor.
      seed: osSeed(),
      ...flags,
    },
    { logger: process.env.AGENT_TEST_LOG ? { info: (m) => console.log(m), warn: (m) => console.warn(m) } : silentLogger, ...options },
  );
  return { ...a, agentPid: a.pid as unknown as PID<MasterToAgent> };
}

/**
 * The end of a test on a real agent: the framework is shut down (its executors and their tasks end, bounded), then
 * the agent and the scripted master stop.
 */
export async function stopRealAgent(setup: RealSetup, agent: StartedAgent & { agentPid: PID<MasterToAgent> }, frameworkId: FrameworkID): Promise<void> {
  setup.master.sendTo(agent.agentPid, 'shutdown_framework', { framework_id: frameworkId });
  await waitUntil(() => agent.agent.executors().every((e) => e.state === 'TERMINATED'), 'every executor ended').catch(() => {});
  await agent.stop();
  await setup.masterRt.stop();
}

/** A real `mesos-ts agent` OS process (the compiled CLI in dist/: `npx tsc -b` first) on `port`, for tests that SIGKILL it. */
export function cliAgent(setup: RealSetup, port: number, extraArgs: string[] = []): { child: ChildProcess; stderr: () => string; exited: Promise<NodeJS.Signals | null> } {
  const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [cli, 'agent', `--master=${setup.masterPid.address}`, '--ip=127.0.0.1', `--port=${port}`, `--work_dir=${setup.workDir}`, '--resources=cpus:2;mem:1024;disk:1024;ports:[31000-32000]', '--registration_backoff_factor=0secs', ...extraArgs],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  return { child, stderr: () => stderr, exited };
}
