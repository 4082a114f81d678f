// Executor tokens on a real agent (real containerizer, WebSocket runtime)
// against a scripted master: each executor process reads its own
// MESOS_EXECUTOR_AUTHENTICATION_TOKEN from its environment (written to its
// sandbox), and this test, playing executors over HTTP, tries to misuse them:
// no token, a forged token, another executor's token, and an executor
// reporting another executor's task. Each is refused and the agent keeps
// serving the legitimate executor.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PID, Process, Runtime, WsTransport, createLogger, realClock, type Handlers } from 'libprocess-ts';
import type { AgentToExecutor, ExecutorToAgent } from '../../protocol/messages/agent-executor.js';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import type { ExecutorInfo, FrameworkInfo, TaskInfo } from '../../protocol/types.js';
import type { StartedAgent } from '../main.js';
import { commandTask } from './helpers.js';
import { openStream, post, uuidBase64, waitUntil, type Json } from './http-client.js';
import { realAgent, realMaster, type RealSetup } from './real.js';

let setup: RealSetup;
let agent: StartedAgent & { agentPid: PID<MasterToAgent> };
let base: string;

const FW: FrameworkInfo = { user: 'root', name: 'token misuse', id: { value: 'F-TOK' } };
const PATH = '/api/v1/executor';

beforeAll(async () => {
  setup = await realMaster();
  agent = await realAgent(setup, { executor_registration_timeout: '60secs' });
  base = `http://${agent.pid.address}`;
  await setup.master.waitFor((m) => m.name === 'register_agent');
});

afterAll(async () => {
  await agent?.stop();
  await setup?.masterRt.stop();
});

function executorInfo(id: string): ExecutorInfo {
  return {
    executor_id: { value: id },
    name: `${id} executor`,
    // The process keeps what the agent gave it, so the test uses the token the executor really got.
    command: { shell: true, value: 'printf %s "$MESOS_EXECUTOR_AUTHENTICATION_TOKEN" > token.tmp && mv token.tmp token && exec sleep 60' },
    resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
    shutdown_grace_period: { nanoseconds: 300e6 },
  };
}

function taskOn(executor: ExecutorInfo, id: string): TaskInfo {
  const t = { ...commandTask(id, ''), executor };
  delete (t as { command?: unknown }).command;
  return t;
}

const executor = (id: string) => agent.agent.frameworks.get(FW.id!.value)?.executors.get(id);
const ids = (executorId: string): Json => ({ executor_id: { value: executorId }, framework_id: FW.id });
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const update = (executorId: string, taskId: string, uuid: string): Json => ({
  ...ids(executorId),
  type: 'UPDATE',
  update: { status: { task_id: { value: taskId }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid } },
});

async function launch(id: string, taskId: string): Promise<string> {
  setup.master.sendTo(agent.agentPid, 'run_task', { framework: FW, framework_id: FW.id!, task: taskOn(executorInfo(id), taskId) });
  await waitUntil(() => executor(id)?.container !== undefined && existsSync(join(executor(id)!.directory, 'token')), `executor ${id} and its token`);
  return readFileSync(join(executor(id)!.directory, 'token'), 'utf8');
}

describe('executor authentication tokens', () => {
  test('no token, a forged one, or another executor\'s is refused; an executor reports only its own tasks', async () => {
    const tokenA = await launch('ex-a', 'ta');
    const tokenB = await launch('ex-b', 'tb');
    expect(tokenA).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(tokenA).not.toBe(tokenB);
    const subscribeA = { ...ids('ex-a'), type: 'SUBSCRIBE', subscribe: {} };

    // No token: 401 with the Bearer challenge.
    const none = await post(base, PATH, subscribeA);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="mesos-agent-executor"');
    expect(none.text).toContain('no executor authentication token');

    // A token with a forged signature (B's claims re-signed by nobody): 401.
    const [h, , sig] = tokenB.split('.');
    const forgedClaims = Buffer.from(JSON.stringify({ fid: 'F-TOK', eid: 'ex-a', cid: executor('ex-a')!.containerId })).toString('base64url');
    const forged = await post(base, PATH, subscribeA, bearer(`${h}.${forgedClaims}.${sig}`));
    expect([forged.status, forged.text]).toEqual([401, 'Executor authentication failed: the token was not issued by this agent\n']);

    // B's token to subscribe as A: 403 naming both.
    const other = await post(base, PATH, subscribeA, bearer(tokenB));
    expect(other.status).toBe(403);
    expect(other.text).toContain("the token is for executor 'ex-b' of framework 'F-TOK', not executor 'ex-a'");
    expect(executor('ex-a')!.state).toBe('REGISTERING');

    // A with its own token: subscribed, gets its task.
    const s = await openStream(base, PATH, subscribeA, bearer(tokenA));
    expect((await s.nth('LAUNCH')).launch.task.task_id).toEqual({ value: 'ta' });
    const sB = await openStream(base, PATH, { ...ids('ex-b'), type: 'SUBSCRIBE', subscribe: {} }, bearer(tokenB));
    await sB.nth('LAUNCH');

    // A reports B's task under its own id: 403, nothing reaches the master.
    const foreign = await post(base, PATH, update('ex-a', 'tb', uuidBase64(7)), bearer(tokenA));
    expect([foreign.status, foreign.text]).toEqual([403, 'Task tb is not a task of executor ex-a: an executor reports only its own tasks\n']);
    // A reports B's task under B's id, with A's token: 403.
    const spoofed = await post(base, PATH, update('ex-b', 'tb', uuidBase64(8)), bearer(tokenA));
    expect(spoofed.status).toBe(403);
    expect(spoofed.text).toContain("the token is for executor 'ex-a'");

    // The legitimate update still goes through, and is the only one the master sees.
    expect((await post(base, PATH, update('ex-a', 'ta', uuidBase64(9)), bearer(tokenA))).status).toBe(202);
    const running = await setup.master.update('ta', 'TASK_RUNNING');
    expect(running.executor_id).toEqual({ value: 'ex-a' });
    expect(setup.master.received.filter((m) => m.name === 'status_update' && (m.body as { update: { status: { task_id: { value: string } } } }).update.status.task_id.value === 'tb')).toEqual([]);
    expect(agent.agent.counters.get('slave/executor_authentication_failures')).toBe(4);
    s.close();
    sB.close();
  });
});

/** A process in a runtime of its own that speaks the executor protocol to the agent: a driver or an impostor. */
class RawExecutor extends Process<AgentToExecutor> {
  readonly got: string[] = [];
  protected handlers(): Handlers<AgentToExecutor> {
    const note = (name: string) => () => void this.got.push(name);
    return { registered: note('registered'), reregistered: note('reregistered'), run_task: note('run_task'), run_task_group: note('run_task_group'), kill_task: note('kill_task'), ack: note('ack'), framework_message: note('framework_message'), shutdown: note('shutdown'), reconnect: note('reconnect') };
  }
  tell<N extends keyof ExecutorToAgent & string>(to: PID<ExecutorToAgent>, name: N, body: ExecutorToAgent[N]): void {
    this.send(to, name, body);
  }
}

describe('executor tokens on the actor path', () => {
  test('a register without the token or with another executor\'s is refused; an impostor\'s status update is dropped', async () => {
    const tokenC = await launch('ex-c', 'tc');
    const tokenD = await launch('ex-d', 'td');
    const rt = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn() {} } }), name: 'executors', logger: createLogger('executors', 'silent') }).start();
    try {
      const agentPid = PID.parse<ExecutorToAgent>(agent.pid.toString());
      const impostor = new RawExecutor();
      rt.spawn(impostor, 'impostor');
      const failures = (): number => agent.agent.counters.get('slave/executor_authentication_failures') ?? 0;
      const before = failures();
      impostor.tell(agentPid, 'register', { framework_id: FW.id!, executor_id: { value: 'ex-c' } });
      impostor.tell(agentPid, 'register', { framework_id: FW.id!, executor_id: { value: 'ex-c' }, token: tokenD });
      await waitUntil(() => failures() === before + 2, 'two refused registrations');
      expect(executor('ex-c')!.state).toBe('REGISTERING');

      // The real executor C (its own token) registers and gets its task.
      const real = new RawExecutor();
      rt.spawn(real, 'executor-c');
      real.tell(agentPid, 'register', { framework_id: FW.id!, executor_id: { value: 'ex-c' }, token: tokenC });
      await waitUntil(() => real.got.includes('run_task'), "executor C's task");
      expect(executor('ex-c')!.state).toBe('RUNNING');

      // The impostor reports C's task as if it were C: dropped, never acknowledged, never at the master.
      const invalid = agent.agent.counters.get('slave/invalid_status_updates') ?? 0;
      const uuid = new Uint8Array(Buffer.from(uuidBase64(21), 'base64'));
      impostor.tell(agentPid, 'status_update', { update: { framework_id: FW.id!, executor_id: { value: 'ex-c' }, status: { task_id: { value: 'tc' }, state: 'TASK_FAILED', uuid }, timestamp: 1, uuid } });
      await waitUntil(() => (agent.agent.counters.get('slave/invalid_status_updates') ?? 0) === invalid + 1, 'the impostor update dropped');
      // C itself reporting D's task: dropped as well; its own task goes through.
      real.tell(agentPid, 'status_update', { update: { framework_id: FW.id!, executor_id: { value: 'ex-c' }, status: { task_id: { value: 'td' }, state: 'TASK_FAILED', uuid }, timestamp: 1, uuid } });
      await waitUntil(() => (agent.agent.counters.get('slave/invalid_status_updates') ?? 0) === invalid + 2, "C's update of D's task dropped");
      const own = new Uint8Array(Buffer.from(uuidBase64(22), 'base64'));
      real.tell(agentPid, 'status_update', { update: { framework_id: FW.id!, executor_id: { value: 'ex-c' }, status: { task_id: { value: 'tc' }, state: 'TASK_RUNNING', uuid: own }, timestamp: 1, uuid: own } });
      await setup.master.update('tc', 'TASK_RUNNING');
      await waitUntil(() => real.got.includes('ack'), "the ack of C's own update");
      expect(impostor.got).toEqual([]);
      expect(real.got).toEqual(['registered', 'run_task', 'ack']);
      const reported = (id: string): string[] => setup.master.received.filter((m) => m.name === 'status_update' && (m.body as { update: { status: { task_id: { value: string } } } }).update.status.task_id.value === id).map((m) => (m.body as { update: { status: { state: string } } }).update.status.state);
      expect(reported('tc')).toEqual(['TASK_RUNNING']);
      expect(reported('td')).toEqual([]);
    } finally {
      await rt.stop();
    }
  });
});
