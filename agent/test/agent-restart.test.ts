// Agent restart with real processes: the agent's runtime stops while its tasks
// keep running; a new agent on the same work dir and port recovers them,
// re-registers with the same id reporting them, resends what was not
// acknowledged, and reports the later exit of a recovered task. Also
// --recover=cleanup and a changed --resources.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentToMaster } from '../../protocol/messages/master-agent.js';
import { FRAMEWORK, commandTask } from './helpers.js';
import { realAgent, realMaster, type RealSetup } from './real.js';

let setup: RealSetup;
beforeAll(async () => {
  setup = await realMaster();
});
afterAll(async () => {
  await setup?.masterRt.stop();
});

const fw = { ...FRAMEWORK, checkpoint: true };
const waitLoop = 'while [ ! -f "$MESOS_SANDBOX/stop" ]; do sleep 0.05; done';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('restart with --recover=reconnect', () => {
  test('tasks keep running, the agent recovers them, re-registers with the same id, resends unacknowledged updates', async () => {
    const m = setup.master;
    const a1 = await realAgent(setup);
    await m.waitFor((r) => r.name === 'register_agent' && r.from.equals(a1.pid));
    m.sendTo(a1.agentPid, 'run_task', { framework: fw, framework_id: fw.id!, task: commandTask('long', waitLoop) });
    await m.update('long', 'TASK_RUNNING');
    const agentId = a1.agent.agentId!;
    expect(agentId).toBe('M-S0');
    const ex = a1.agent.executors().find((e) => e.id === 'long')!;
    const pid = (ex.container as unknown as { pid: number }).pid;
    const sandbox = ex.directory;

    // 'quick' finishes while its TASK_FINISHED is not acknowledged.
    m.autoAck = false;
    m.sendTo(a1.agentPid, 'run_task', { framework: fw, framework_id: fw.id!, task: commandTask('quick', 'echo quick') });
    m.ack(a1.agentPid, await m.update('quick', 'TASK_STARTING'));
    m.ack(a1.agentPid, await m.update('quick', 'TASK_RUNNING'));
    const finished = await m.update('quick', 'TASK_FINISHED');

    await a1.stop();
    expect(alive(pid)).toBe(true);

    const a2 = await realAgent(setup, { port: a1.pid.port });
    try {
      expect(a2.pid.toString()).toBe(a1.pid.toString());
      expect(a2.agent.agentId).toBe(agentId);
      const re = await m.waitFor((r) => r.name === 'reregister_agent');
      const body = re.body as AgentToMaster['reregister_agent'];
      expect(body.agent.id).toEqual({ value: agentId });
      const states = Object.fromEntries(body.tasks.map((t) => [t.task_id.value, t.state]));
      expect(states).toEqual({ long: 'TASK_RUNNING', quick: 'TASK_FINISHED' });
      expect(body.frameworks.map((f) => f.id?.value)).toEqual([fw.id!.value]);
      // The unacknowledged TASK_FINISHED is resent (same uuid) after re-registration.
      const hex = Buffer.from(finished.uuid!).toString('hex');
      const resent = await m.waitFor((r) => r.name === 'status_update' && r.from.equals(a2.pid) && Buffer.from((r.body as AgentToMaster['status_update']).update.uuid!).toString('hex') === hex);
      expect((resent.body as AgentToMaster['status_update']).update.status.state).toBe('TASK_FINISHED');
      m.autoAck = true;
      m.ack(a2.agentPid, finished);
      // The recovered task's later exit is reported with its real status: the launcher helper,
      // which outlived the first agent, recorded it before reaping the process.
      writeFileSync(join(sandbox, 'stop'), '');
      const u = await m.waitFor((r) => r.name === 'status_update' && r.from.equals(a2.pid) && (r.body as AgentToMaster['status_update']).update.status.task_id.value === 'long' && (r.body as AgentToMaster['status_update']).update.status.state === 'TASK_FINISHED');
      expect((u.body as AgentToMaster['status_update']).update.status.message).toBe('Command exited with status 0');
      expect(alive(pid)).toBe(false);
    } finally {
      await a2.stop();
    }
  });

  test('a changed --resources with checkpointed tasks running is refused with a clear error', async () => {
    setup.master.autoAck = true;
    const s2 = { ...setup, workDir: setup.workDir + '-res' };
    const a1 = await realAgent(s2);
    await setup.master.waitFor((r) => r.name === 'register_agent' && r.from.equals(a1.pid));
    setup.master.sendTo(a1.agentPid, 'run_task', { framework: fw, framework_id: fw.id!, task: commandTask('res1', 'sleep 30') });
    await setup.master.update('res1', 'TASK_RUNNING');
    const ex = a1.agent.executors().find((e) => e.id === 'res1')!;
    const pid = (ex.container as unknown as { pid: number }).pid;
    await a1.stop();
    await expect(realAgent(s2, { port: a1.pid.port, resources: 'cpus:8;mem:1024;disk:1024;ports:[31000-32000]' })).rejects.toThrow(
      /Incompatible agent info detected: the agent's resources changed from 'cpus:2;mem:1024;disk:1024;ports:\[31000-32000\]'.*to 'cpus:8;.*--recover=cleanup/s,
    );
    expect(alive(pid)).toBe(true);
    // --recover=cleanup kills it and registers as a new agent.
    const before = setup.master.all('register_agent').length;
    const a3 = await realAgent(s2, { port: a1.pid.port, resources: 'cpus:8;mem:1024;disk:1024;ports:[31000-32000]', recover: 'cleanup' });
    try {
      expect(alive(pid)).toBe(false);
      expect(a3.agent.agentId).toBeUndefined();
      await setup.master.waitFor((r) => r.name === 'register_agent' && setup.master.all('register_agent').length > before);
    } finally {
      await a3.stop();
    }
  });
});
