// Bad message bodies sent to a real master over the simulated network (the
// wire codec in between, so a BigInt arrives as msgpack int64 would): each is
// refused at the boundary with its field path, counted, answered to a
// scheduler with `error`, and the master keeps serving the same peers.
import { afterEach, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { PID } from 'libprocess-ts';
import { AGENT_TO_MASTER, SCHEDULER_TO_MASTER } from '../../protocol/messages/schemas.js';
import { cluster, ledger, type Cluster } from './helpers/cluster.js';
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
    expect(c.master.state.agents.get(agent.agentId!)?.pid).toBe(agent.pid.toString());

    // Still serving: the same scheduler launches on the same agent.
    const [offer] = [...scheduler.offers.values()];
    scheduler.launch(offer!, [commandTask('ok', offer!, 'cpus:1;mem:64')]);
    await c.clock.settle();
    expect(agent.named('run_task').map((b) => b.task.task_id.value)).toEqual(['ok']);
    await scheduler.until(() => scheduler.states('ok').includes('TASK_RUNNING'));
    expect(PID.parse(sched).id).toBe('scheduler');
  });
});

describe('fuzzed bodies', () => {
  test('random bodies for every message, from a subscribed scheduler and a registered agent: no handler ever throws, the books balance, the master serves', async () => {
    c = await cluster();
    const { agent, runtime: agentRt } = await c.agent({ resources: 'cpus:4;mem:1024' });
    const { scheduler, runtime: schedRt } = await c.scheduler();
    await c.clock.advance(5);
    const fw = scheduler.fw;
    const any = fc.anything({ withBigInt: true, withTypedArray: true, withNullPrototype: true, maxDepth: 4 });
    // Bodies shaped like each message (its field names, values of any kind, ids sometimes right), and anything at all.
    const id = fc.oneof(fc.constant(fw), fc.constant({ value: agent.agentId! }), fc.record({ value: fc.string() }), any);
    const shaped = (fields: readonly string[]) => fc.dictionary(fc.constantFrom(...fields), fc.oneof(id, any), { maxKeys: fields.length });
    let sent = 0;
    const wire = new Packr({ useRecords: false, variableMapSize: true }); // the codec's settings (libprocess-ts/src/codec.ts)
    const post = (rt: typeof schedRt, from: string, name: string, body: unknown): void => {
      try {
        wire.pack(body);
      } catch {
        return; // not encodable by msgpack (a BigInt over 64 bits...): nothing a peer could send either
      }
      rt.post(from, c!.masterPid.toString(), name, body);
      sent++;
    };
    const protocols: [typeof schedRt, string, Record<string, Record<string, string>>][] = [
      [schedRt, scheduler.pid.toString(), SCHEDULER_TO_MASTER],
      [agentRt, agent.pid.toString(), AGENT_TO_MASTER],
    ];
    for (const [rt, from, schemas] of protocols) {
      for (const [name, schema] of Object.entries(schemas)) {
        // A well-formed TEARDOWN or UNREGISTER_AGENT from the peer itself would end it, as it should: not fuzzed.
        if (name === 'teardown' || name === 'unregister_agent') continue;
        for (const body of fc.sample(fc.oneof(shaped(Object.keys(schema)), any), { numRuns: 100, seed: name.length })) post(rt, from, name, body);
      }
    }
    await c.clock.advance(100);
    expect(sent).toBeGreaterThan(1000);
    expect(c.masterRuntime.metrics().handler_errors).toBe(0);
    expect(c.master.metrics()['master/invalid_messages']).toBeGreaterThan(sent / 2);
    expect(ledger(c)).toEqual([]);
    expect(c.master.state.agents.get(agent.agentId!)?.pid).toBe(agent.pid.toString());

    // Still serving the same peers.
    await c.clock.advance(10_000);
    const offer = [...scheduler.offers.values()].at(-1);
    expect(offer).toBeDefined();
    scheduler.launch(offer!, [commandTask('after-fuzz', offer!, 'cpus:0.5;mem:32')]);
    await c.clock.settle();
    expect(agent.named('run_task').map((b) => b.task.task_id.value)).toContain('after-fuzz');
    expect(c.master.state.frameworks.get(fw.value)?.connected).toBe(true);
  });
});
