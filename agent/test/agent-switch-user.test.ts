// Tasks run as their user (--switch_user): a real agent running as root
// launches a command task as FrameworkInfo.user, then as CommandInfo.user
// (which wins), fails one whose user does not exist with a message naming it,
// and with --switch_user=false runs it as itself. The pure choice is tested
// wherever this runs; the processes only as root.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PID } from 'libprocess-ts';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import type { FrameworkInfo } from '../../protocol/types.js';
import type { StartedAgent } from '../main.js';
import { runningAsRoot, taskUser } from '../task-user.js';
import { commandTask } from './helpers.js';
import { realAgent, realMaster, type RealSetup } from './real.js';

describe('the user a task runs as', () => {
  test('CommandInfo.user, else FrameworkInfo.user; only with --switch_user and as root', () => {
    expect(taskUser(true, true, 'alice', 'bob')).toBe('alice');
    expect(taskUser(true, true, undefined, 'bob')).toBe('bob');
    expect(taskUser(true, true, '', 'bob')).toBe('bob');
    expect(taskUser(true, true, undefined, '')).toBeUndefined();
    expect(taskUser(false, true, 'alice', 'bob')).toBeUndefined();
    expect(taskUser(true, false, 'alice', 'bob')).toBeUndefined();
  });
});

const root = runningAsRoot();
const nobody = root ? Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim()) : -1;
if (!root) console.warn('switch_user process test skipped: the agent must run as root to switch users');
const describeRoot = root ? describe : describe.skip;

describeRoot('a root agent with --switch_user', () => {
  let setup: RealSetup;
  let agent: StartedAgent & { agentPid: PID<MasterToAgent> };
  let plain: StartedAgent & { agentPid: PID<MasterToAgent> };

  beforeAll(async () => {
    setup = await realMaster();
    chmodSync(setup.workDir, 0o755); // a task running as nobody must reach its sandbox
    agent = await realAgent(setup);
    plain = await realAgent({ ...setup, workDir: `${setup.workDir}/plain` }, { switch_user: 'false' });
    await setup.master.waitFor((m) => m.name === 'register_agent' && m.from.equals(agent.pid));
    await setup.master.waitFor((m) => m.name === 'register_agent' && m.from.equals(plain.pid));
  });

  afterAll(async () => {
    await agent?.stop();
    await plain?.stop();
    await setup?.masterRt.stop();
  });

  const fw = (id: string, user: string): FrameworkInfo => ({ user, name: 'users', id: { value: id } });
  const uidOf = async (a: typeof agent, frameworkId: string, taskId: string): Promise<number> => {
    await setup.master.update(taskId, 'TASK_FINISHED');
    const ex = a.agent.frameworks.get(frameworkId)?.executors.get(taskId) ?? a.agent.frameworks.get(frameworkId)?.completedExecutors.find((e) => e.id === taskId);
    return Number(readFileSync(join(ex!.directory, 'stdout'), 'utf8').trim());
  };

  test('as FrameworkInfo.user, or CommandInfo.user; an unknown user fails the task naming it; --switch_user=false runs as the agent', async () => {
    const m = setup.master;
    m.sendTo(agent.agentPid, 'run_task', { framework: fw('F-U1', 'nobody'), framework_id: { value: 'F-U1' }, task: commandTask('as-fw-user', 'id -u') });
    expect(await uidOf(agent, 'F-U1', 'as-fw-user')).toBe(nobody);

    const byCommand = commandTask('as-cmd-user', 'id -u');
    byCommand.command!.user = 'root';
    m.sendTo(agent.agentPid, 'run_task', { framework: fw('F-U1', 'nobody'), framework_id: { value: 'F-U1' }, task: byCommand });
    expect(await uidOf(agent, 'F-U1', 'as-cmd-user')).toBe(0);

    m.sendTo(agent.agentPid, 'run_task', { framework: fw('F-U2', 'no-such-user-here'), framework_id: { value: 'F-U2' }, task: commandTask('ghost', 'id -u') });
    const failed = await m.update('ghost', 'TASK_FAILED');
    expect(failed.status.message).toContain("Failed to get user information for 'no-such-user-here': no such user on this host");

    m.sendTo(plain.agentPid, 'run_task', { framework: fw('F-U3', 'nobody'), framework_id: { value: 'F-U3' }, task: commandTask('as-agent', 'id -u') });
    expect(await uidOf(plain, 'F-U3', 'as-agent')).toBe(0);
  });
});
