// Bad message bodies sent to a real master over the simulated network (the
// wire codec in between, so a BigInt arrives as msgpack int64 would): each is
// refused at the boundary with its field path, counted, answered to a
// scheduler with `error`, and the master keeps serving the same peers.
import { afterEach, describe, expect, test } from '@jest/globals';
import { PID } from 'libprocess-ts';
import { cluster, type Cluster } from './helpers/cluster.js';
import { commandTask } from './helpers/peers.js';

let c: Cluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

describe('the master refuses malformed bodies and keeps serving', () => {
  test('scheduler and agent messages with wrong types, BigInts, unknown enums and unsafe ids', async () => {
    c = await cluster();
    const { agent, runtime: agentRt } = await c.agent({ resources: 'cpus:4;mem:1024' });
    const { scheduler, runtime: schedRt } = await c.scheduler();
    await c.clock.advance(5);
    const fw = scheduler.fw;
    const agentId = agent.agentId!;
    const sched = scheduler.pid.toString();
    const agentPid = agent.pid.toString();
    const master = c.masterPid.toString();
    const before = c.master.metrics()['master/invalid_messages'] ?? 0;

    const bad: [string, string, string, unknown][] = [
      [sched, 'subscribe', 'subscribe.framework_info.user: expected a string, got number 5', { framework_info: { user: 5, name: 'x' } }],
      [sched, 'subscribe', 'subscribe.framework_info.id.value: "../x" must not contain \'/\' (ids become paths on agents)', { framework_info: { user: 'u', name: 'x', id: { value: '../x' } } }],
      [sched, 'accept', 'accept.offer_ids: expected an array, got the string "m1-O0"', { framework_id: fw, offer_ids: 'm1-O0' }],
      [sched, 'decline', 'decline.filters.refuse_seconds: expected a number, got a 64-bit msgpack integer (BigInt 5n)', { framework_id: fw, offer_ids: [], filters: { refuse_seconds: 5n } }],
      [sched, 'kill', 'kill.task_id: missing required field of kill', { framework_id: fw }],
      [sched, 'acknowledge', 'acknowledge.uuid: expected bytes, got the string "AAAA"', { framework_id: fw, agent_id: { value: agentId }, task_id: { value: 't' }, uuid: 'AAAA' }],
      [agentPid, 'status_update', 'status_update.update.status.state: unknown TaskState value "TASK_PWNED"', { update: { framework_id: fw, status: { task_id: { value: 't' }, state: 'TASK_PWNED' }, timestamp: 1 } }],
      [agentPid, 'pong', 'pong.seq: expected an integer (uint64), got a 64-bit msgpack integer (BigInt', { seq: 1n }],
      [agentPid, 'register_agent', 'register_agent.agent: expected a AgentInfo object, got an array', { agent: [], version: '1', checkpointed_resources: [] }],
      [agentPid, 'exited_executor', 'exited_executor.executor_id.value: "a\\u0000" contains a control character', { agent_id: { value: agentId }, framework_id: fw, executor_id: { value: 'a\u0000' } }],
    ];
    const warnings: string[] = [];
    const warn = c.master.runtime.logger.warn.bind(c.master.runtime.logger);
    c.master.runtime.logger.warn = (m: string) => void warnings.push(m);
    try {
      for (const [from, name, , body] of bad) (from === sched ? schedRt : agentRt).post(from, master, name, body);
      await c.clock.settle();
    } finally {
      c.master.runtime.logger.warn = warn;
    }

    expect(c.master.metrics()['master/invalid_messages']).toBe(before + bad.length);
    // Logged with the sender and the field path.
    expect(warnings).toHaveLength(bad.length);
    bad.forEach(([from, name, why], i) => {
      const expected = `refused '${name}' from ${from}: ${why}`;
      expect(warnings[i]!.slice(0, expected.length)).toBe(expected);
    });
    // Schedulers are told why, in the protocol's error reply.
    const errors = scheduler.named('error').map((e) => e.message);
    expect(errors).toHaveLength(6);
    expect(errors[0]).toBe("invalid 'subscribe' message: subscribe.framework_info.user: expected a string, got number 5");
    // Nothing of it reached the books: no second framework, the agent still registered, its offer still out.
    expect(c.master.state.frameworks.size).toBe(1);
    expect(c.master.state.agents.size).toBe(1);

    // Still serving: the same scheduler launches on the same agent.
    const [offer] = [...scheduler.offers.values()];
    scheduler.launch(offer!, [commandTask('ok', offer!, 'cpus:1;mem:64')]);
    await c.clock.settle();
    expect(agent.named('run_task').map((b) => b.task.task_id.value)).toEqual(['ok']);
    await scheduler.until(() => scheduler.states('ok').includes('TASK_RUNNING'));
    expect(PID.parse(sched).id).toBe('scheduler');
  });
});
