// A real agent's /monitor/statistics while a task burns cpu and holds memory
// (Mesos's JSON shape, usage from /proc under posix isolation), and the
// sandbox of a finished task removed once --gc_delay has passed.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { existsSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type HttpRequest } from 'libprocess-ts';
import { sandboxPath } from '../containerizer/index.js';
import type { StartedAgent } from '../main.js';
import { FRAMEWORK, commandTask } from './helpers.js';
import { realAgent, realMaster, type RealSetup } from './real.js';
import { untilTrue } from '../../test/wait.js';

let setup: RealSetup;
let agent: StartedAgent & { agentPid: import('libprocess-ts').PID<import('../../protocol/messages/master-agent.js').MasterToAgent> };

beforeAll(async () => {
  setup = await realMaster();
  agent = await realAgent(setup, { gc_delay: '300ms' });
  await setup.master.waitFor((m) => m.name === 'register_agent');
});

afterAll(async () => {
  await agent?.stop();
  await setup?.masterRt.stop();
});

const run = (task: ReturnType<typeof commandTask>): void => setup.master.sendTo(agent.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task });
const req = (path: string): HttpRequest => ({ method: 'GET', path, query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) });

interface Stat {
  executor_id: string;
  framework_id: string;
  container_id: string;
  statistics: { cpus_limit?: number; mem_limit_bytes?: number; cpus_user_time_secs?: number; mem_rss_bytes?: number; processes?: number };
}

test('/monitor/statistics reports each running executor with its limits and its cpu and memory use', async () => {
  // A busy loop in perl (cpu; perl-base is on every Debian) holding a 20 MB string (memory), until the sandbox has a `stop` file.
  run(commandTask('busy', `perl -e '$s = "x" x 20_000_000; 1 until -e "stop"'`));
  await setup.master.update('busy', 'TASK_RUNNING');
  let stats: Stat[] = [];
  await untilTrue('cpu time and rss to show', async () => {
    const r = (await agent.runtime.handleHttp(req('/monitor/statistics'))) as { status: number; body: Stat[] };
    stats = r.body;
    const s = stats.find((x) => x.executor_id === 'busy')?.statistics;
    return (s?.cpus_user_time_secs ?? 0) > 0.05 && (s?.mem_rss_bytes ?? 0) > 20_000_000;
  });
  const busy = stats.find((x) => x.executor_id === 'busy')!;
  expect(busy.framework_id).toBe(FRAMEWORK.id!.value);
  expect(busy.statistics.cpus_limit).toBe(0.1);
  expect(busy.statistics.mem_limit_bytes).toBe(32 * 1024 * 1024);
  expect(busy.statistics.processes).toBeGreaterThanOrEqual(1);
  const sandbox = sandboxPath(setup.workDir, { agentId: agent.agent.agentId!, frameworkId: FRAMEWORK.id!.value, executorId: 'busy', containerId: 'latest' });
  expect(realpathSync(sandbox).endsWith(busy.container_id)).toBe(true);
  writeFileSync(join(sandbox, 'stop'), 'x\n');
  await setup.master.update('busy', 'TASK_FINISHED');
});

test('a finished task\'s sandbox is removed after --gc_delay', async () => {
  run(commandTask('short', 'echo hi'));
  await setup.master.update('short', 'TASK_FINISHED');
  const sandbox = realpathSync(sandboxPath(setup.workDir, { agentId: agent.agent.agentId!, frameworkId: FRAMEWORK.id!.value, executorId: 'short', containerId: 'latest' }));
  expect(existsSync(join(sandbox, 'stdout'))).toBe(true);
  await untilTrue('the sandbox to be removed', () => !existsSync(sandbox));
  // Mesos's gc/* metrics, in the snapshot and in Prometheus: nothing pending once the removals are done.
  await untilTrue('no removal pending', () => agent.agent.gcPending === 0);
  const base = `http://${agent.pid.address}`;
  const snapshot = JSON.parse(await (await fetch(`${base}/metrics/snapshot`)).text()) as Record<string, number>;
  expect(snapshot['gc/path_removals_succeeded']).toBeGreaterThanOrEqual(1);
  expect([snapshot['gc/path_removals_pending'], snapshot['gc/path_removals_failed'], snapshot['containerizer/mesos/container_destroy_errors']]).toEqual([0, 0, 0]);
  const text = await (await fetch(`${base}/metrics`)).text();
  expect(text).toContain(`mesos_gc_path_removals_succeeded ${snapshot['gc/path_removals_succeeded']}`);
  expect(text).toContain('mesos_containerizer_mesos_container_destroy_errors 0');
});
