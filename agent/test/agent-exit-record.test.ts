// Honest outcomes (issue 21): command tasks that end while their agent is
// down are reported with their real exit status. A real agent OS process
// (`mesos-ts agent`, the compiled CLI in dist/, with the default launcher: the
// mesos-ts-launcher helper) runs two tasks; the agent is SIGKILLed; the tasks
// then end, one with status 0 and one with status 3; the helper, which
// outlived the agent, records both exits and then exits itself. An agent
// restarted on the same work dir and port reports TASK_FINISHED ("Command
// exited with status 0") and TASK_FAILED ("Command exited with status 3").
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentToMaster } from '../../protocol/messages/master-agent.js';
import { sandboxPath } from '../containerizer/index.js';
import { readStat } from '../containerizer/proc.js';
import { FRAMEWORK, commandTask } from './helpers.js';
import { cliAgent, realAgent, realMaster, type RealSetup } from './real.js';
import { leasePorts, type PortLease } from '../../test/ports.js';
import { until } from '../../test/wait.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const fw = { ...FRAMEWORK, checkpoint: true };

let setup: RealSetup;
let child: ChildProcess | undefined;
let lease: PortLease | undefined;
const started: number[] = [];
beforeAll(async () => {
  setup = await realMaster();
});
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  // Whatever this test started and is still here (only on a failure): the tasks, then the helper.
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await setup?.masterRt.stop();
  lease?.release();
});

function alive(pid: number): boolean {
  const st = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
  })();
  return st !== undefined && !/\) [ZX] /.test(st);
}

/** Waits (polling every 20 ms, at most 20 s) until `check` holds. */
const waitUntil = (what: string, check: () => boolean): Promise<true> => until(what, () => (check() ? true : undefined), { everyMs: 20, limitMs: 20_000 });

/** The launcher helper the agent process started (its child named mesos-ts-launch…). */
async function helperOf(agentPid: number): Promise<number | undefined> {
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    const st = await readStat(Number(n));
    if (st && st.ppid === agentPid && st.comm.startsWith('mesos-ts-launch')) return st.pid;
  }
  return undefined;
}

// Unacknowledged TASK_STARTING / TASK_RUNNING updates may be resent first.
const terminal = (state: string): boolean => state !== 'TASK_STARTING' && state !== 'TASK_RUNNING';
const statusOf = (r: { body: unknown }) => (r.body as AgentToMaster['status_update']).update.status;

test('tasks that end while the agent is down: the restarted agent reports their real exit statuses', async () => {
  expect(existsSync(CLI)).toBe(true); // npx tsc -b
  const m = setup.master;
  lease = await leasePorts(1);
  const port = lease.ports[0]!;
  const agentProcess = cliAgent(setup, port);
  child = agentProcess.child;
  const exited = agentProcess.exited;
  const stderr = agentProcess.stderr;
  try {
    const agentPid = (await m.waitFor((r) => r.name === 'register_agent' && r.from.port === port)).from;
    const wait = 'echo $$ > pid; while [ ! -f "$MESOS_SANDBOX/stop" ]; do sleep 0.05; done';
    const tasks = { zero: `${wait}; exit 0`, three: `${wait}; exit 3` };
    for (const [id, cmd] of Object.entries(tasks)) m.sendTo(agentPid as never, 'run_task', { framework: fw, framework_id: fw.id!, task: commandTask(id, cmd) });
    const sandboxes: Record<string, string> = {};
    const pids: Record<string, number> = {};
    for (const id of Object.keys(tasks)) {
      await m.update(id, 'TASK_RUNNING');
      const sb = sandboxPath(setup.workDir, { agentId: 'M-S0', frameworkId: fw.id!.value, executorId: id, containerId: 'latest' });
      await waitUntil(`task ${id} to write its pid`, () => existsSync(join(sb, 'pid')) && readFileSync(join(sb, 'pid'), 'utf8').endsWith('\n'));
      sandboxes[id] = sb;
      pids[id] = Number(readFileSync(join(sb, 'pid'), 'utf8'));
      started.push(pids[id]);
    }
    const helper = await helperOf(child.pid!);
    expect(helper).toBeDefined();
    started.push(helper!);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // The agent is down: the tasks end now, while nobody but the helper watches them.
    for (const id of Object.keys(tasks)) {
      expect(alive(pids[id]!)).toBe(true);
      writeFileSync(join(sandboxes[id]!, 'stop'), '');
    }
    for (const id of Object.keys(tasks)) await waitUntil(`task ${id} to end`, () => !alive(pids[id]!));
    // Its children all gone, the helper exits by itself.
    await waitUntil('the launcher helper to exit', () => !alive(helper!));

    const a2 = await realAgent(setup, { port });
    try {
      expect(a2.agent.agentId).toBe('M-S0');
      const zero = statusOf(await m.waitFor((r) => r.name === 'status_update' && r.from.equals(a2.pid) && statusOf(r).task_id.value === 'zero' && terminal(statusOf(r).state)));
      expect(zero.state).toBe('TASK_FINISHED');
      expect(zero.message).toBe('Command exited with status 0');
      const three = statusOf(await m.waitFor((r) => r.name === 'status_update' && r.from.equals(a2.pid) && statusOf(r).task_id.value === 'three' && terminal(statusOf(r).state)));
      expect(three.state).toBe('TASK_FAILED');
      expect(three.reason).toBe('REASON_COMMAND_EXECUTOR_FAILED');
      expect(three.message).toBe('Command exited with status 3');
    } finally {
      await a2.stop();
    }
  } catch (e) {
    throw new Error(`${(e as Error).message}\nfirst agent's stderr:\n${stderr()}`);
  }
});
