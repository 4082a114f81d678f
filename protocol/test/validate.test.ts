import { describe, test, expect } from '@jest/globals';
import { Packr, Unpackr } from 'msgpackr';
import { MessageValidator, validated } from '../messages/validate.js';
import {
  AGENT_TO_EXECUTOR,
  AGENT_TO_MASTER,
  EXECUTOR_TO_AGENT,
  FROM_NON_LEADER,
  MASTER_TO_AGENT,
  MASTER_TO_SCHEDULER,
  SCHEDULER_TO_MASTER,
} from '../messages/schemas.js';
import type { AgentToExecutor, AgentToMaster, ExecutorToAgent, MasterToAgent, MasterToScheduler, SchedulerToMaster } from '../messages/index.js';
import type { FromNonLeader } from '../messages/leader.js';
import { protocolError } from './helpers.js';

// The wire codec's settings (libprocess-ts/src/codec.ts), and a foreign encoder that writes 64-bit integers.
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
const foreign = new Packr({ useRecords: false, useBigIntExtension: false });
const viaWire = (body: unknown): unknown => unpackr.unpack(foreign.pack(body));

type AgentSide = MasterToAgent & ExecutorToAgent & FromNonLeader;
const agent = new MessageValidator<AgentSide>({ ...MASTER_TO_AGENT, ...EXECUTOR_TO_AGENT, ...FROM_NON_LEADER });
const master = new MessageValidator<SchedulerToMaster & AgentToMaster>({ ...SCHEDULER_TO_MASTER, ...AGENT_TO_MASTER }, {}, ['accept']);
const executor = new MessageValidator<AgentToExecutor>(AGENT_TO_EXECUTOR);
const scheduler = new MessageValidator<MasterToScheduler>(MASTER_TO_SCHEDULER, {}, 'all');

const FW = { user: 'u', name: 'fw', id: { value: 'm1-0000' } };
const task = (over: Record<string, unknown> = {}) => ({
  name: 't',
  task_id: { value: 't1' },
  agent_id: { value: 'm1-S0' },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }],
  command: { value: 'true' },
  ...over,
});
const runTask = (t: Record<string, unknown> = task()) => ({ framework: FW, framework_id: { value: 'm1-0000' }, task: t });
const update = (status: Record<string, unknown>) => ({ update: { framework_id: { value: 'm1-0000' }, status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', ...status }, timestamp: 1 } });

describe('message bodies', () => {
  test('valid bodies pass, through the wire codec too, as clean copies', () => {
    const body = runTask();
    expect(agent.body('run_task', viaWire(body))).toEqual(body);
    expect(agent.body('status_update', update({ source: 'SOURCE_EXECUTOR', uuid: new Uint8Array(16) }))).toEqual(update({ source: 'SOURCE_EXECUTOR', uuid: new Uint8Array(16) }));
    expect(executor.body('shutdown', undefined)).toEqual({});
    expect(scheduler.body('heartbeat', {})).toEqual({});
    expect(master.body('register_agent', { agent: { hostname: 'h', port: 5051 }, version: '1', checkpointed_resources: [], capabilities: ['MULTI_ROLE'] })).toBeDefined();
  });

  test('undeclared keys are dropped and null means unset', () => {
    const clean = agent.body('kill_task', { framework_id: { value: 'f', extra: 1 }, task_id: { value: 't' }, kill_policy: null, junk: 'x' });
    expect(clean).toEqual({ framework_id: { value: 'f' }, task_id: { value: 't' } });
    expect('kill_policy' in clean).toBe(false);
  });

  test('a wrong type names the field path', () => {
    expect(protocolError(() => agent.body('run_task', runTask(task({ name: 5 })))).message).toBe('run_task.task.name: expected a string, got number 5');
    expect(protocolError(() => agent.body('ping', { connected: 'yes' })).message).toBe('ping.connected: expected a boolean, got the string "yes"');
    expect(protocolError(() => agent.body('run_task', runTask(task({ resources: {} })))).message).toBe('run_task.task.resources: expected an array, got an object');
    expect(protocolError(() => agent.body('run_task', 'hello')).message).toBe('run_task: expected a run_task object, got the string "hello"');
    expect(protocolError(() => agent.body('status_update_acknowledgement', { agent_id: { value: 'a' }, framework_id: { value: 'f' }, task_id: { value: 't' }, uuid: 'abc' })).message).toBe(
      'status_update_acknowledgement.uuid: expected bytes, got the string "abc"',
    );
    expect(protocolError(() => agent.body('run_task', runTask(task({ resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: NaN } }] })))).message).toBe(
      'run_task.task.resources[0].scalar.value: expected a number, got number NaN',
    );
    expect(protocolError(() => agent.body('agent_registered', { agent_id: { value: 'a' }, max_missed_pings: 1.5 })).message).toBe(
      'agent_registered.max_missed_pings: expected an integer (uint32), got number 1.5',
    );
    expect(protocolError(() => agent.body('agent_registered', { agent_id: { value: 'a' }, max_missed_pings: -1 })).message).toBe('agent_registered.max_missed_pings: -1 is out of range for uint32');
    expect(protocolError(() => agent.body('run_task', runTask(task({ name: [] })))).code).toBe('E_BAD_MESSAGE');
  });

  test('a missing required field is named', () => {
    const { task_id: _omitted, ...noId } = task();
    expect(protocolError(() => agent.body('run_task', runTask(noId))).message).toBe('run_task.task.task_id: missing required field of TaskInfo');
    expect(protocolError(() => agent.body('run_task', {})).message).toBe('run_task.framework: missing required field of run_task');
    expect(protocolError(() => agent.body('status_update', update({ state: null }))).message).toBe('status_update.update.status.state: missing required field of TaskStatus');
  });

  test('msgpack 64-bit integers (BigInt) are refused, in any part too', () => {
    const pong = viaWire({ seq: 5n });
    expect(typeof (pong as { seq: unknown }).seq).toBe('bigint');
    expect(protocolError(() => master.body('pong', pong)).message).toBe('pong.seq: expected an integer (uint64), got a 64-bit msgpack integer (BigInt 5n); integers travel as msgpack numbers within ±2^53');
    expect(protocolError(() => agent.body('agent_registered', viaWire({ agent_id: { value: 'a' }, term: 2n ** 62n }))).message).toContain('agent_registered.term: expected an integer (uint64), got a 64-bit msgpack integer');
    // `any` parts (not modelled) are kept as they are, but never with a BigInt in them.
    expect(protocolError(() => agent.body('run_task', viaWire(runTask(task({ check: { nested: [1, { deep: 7n }] } }))))).message).toBe(
      'run_task.task.check.nested[1].deep: expected plain data, got a 64-bit msgpack integer (BigInt 7n); integers travel as msgpack numbers within ±2^53',
    );
    expect((agent.body('run_task', runTask(task({ check: { nested: [1, { deep: 7 }] } }))).task as unknown as { check: unknown }).check).toEqual({ nested: [1, { deep: 7 }] });
  });

  test('unknown enum values are refused', () => {
    expect(protocolError(() => agent.body('status_update', update({ state: 'TASK_BOGUS' }))).message).toBe('status_update.update.status.state: unknown TaskState value "TASK_BOGUS"');
    expect(protocolError(() => agent.body('status_update', update({ reason: 'REASON_WHATEVER' }))).message).toBe('status_update.update.status.reason: unknown TaskStatus.Reason value "REASON_WHATEVER"');
    expect(protocolError(() => agent.body('status_update', update({ source: 3 }))).message).toBe('status_update.update.status.source: expected a TaskStatus.Source name string, got number 3');
    expect(protocolError(() => master.body('register_agent', { agent: { hostname: 'h' }, version: '1', checkpointed_resources: [], capabilities: ['TELEPORT'] })).message).toBe(
      'register_agent.capabilities[0]: unknown AgentCapability value "TELEPORT"',
    );
  });

  test('ids that become paths on an agent must be safe path components', () => {
    const cases: [unknown, string][] = [
      ['../etc', '"../etc" must not contain \'/\''],
      ['..', '".." is not allowed'],
      ['.', '"." is not allowed'],
      ['', 'must not be empty'],
      ['a\u0000b\n', '"a\\u0000b\\n" contains a control character'],
      ['x'.repeat(256), 'is 256 characters, longer than 255'],
    ];
    for (const [value, why] of cases) {
      expect(protocolError(() => agent.body('run_task', runTask(task({ task_id: { value } })))).message).toBe(`run_task.task.task_id.value: ${why} (ids become paths on agents)`);
    }
    expect(protocolError(() => agent.body('run_task', { ...runTask(), framework_id: { value: 'a/b' } })).message).toBe('run_task.framework_id.value: "a/b" must not contain \'/\' (ids become paths on agents)');
    expect(protocolError(() => agent.body('run_task', runTask(task({ executor: { executor_id: { value: '..' } } })))).message).toBe(
      'run_task.task.executor.executor_id.value: ".." is not allowed (ids become paths on agents)',
    );
    expect(protocolError(() => agent.body('register', { framework_id: { value: 'f' }, executor_id: { value: '/' } })).message).toContain('register.executor_id.value: "/" must not contain \'/\'');
    expect(protocolError(() => agent.body('status_update', update({ container_status: { container_id: { value: 'c', parent: { value: '..' } } } }))).message).toBe(
      'status_update.update.status.container_status.container_id.parent.value: ".." is not allowed (ids become paths on agents)',
    );
    expect(protocolError(() => agent.body('agent_registered', { agent_id: { value: '../..' } })).message).toContain('agent_registered.agent_id.value');
    // Offer ids are no paths.
    expect(scheduler.body('rescind', { offer_id: { value: 'a/b' } })).toEqual({ offer_id: { value: 'a/b' } });
  });

  test('where the receiver checks ids itself, an unsafe id does not refuse the message', () => {
    const accept = { framework_id: { value: 'f' }, offer_ids: [{ value: 'o' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [task({ task_id: { value: 'a/b' } })] } }] };
    expect(master.body('accept', accept)).toEqual(accept);
    expect(protocolError(() => master.body('kill', { framework_id: { value: 'f' }, task_id: { value: 'a/b' } })).message).toContain('kill.task_id.value: "a/b" must not contain \'/\'');
    expect(scheduler.body('status_update', { status: { task_id: { value: 'a/b' }, state: 'TASK_ERROR' } })).toBeDefined();
    // ...but the shape still is checked.
    expect(protocolError(() => master.body('accept', { ...accept, offer_ids: 'o' })).message).toBe('accept.offer_ids: expected an array, got the string "o"');
  });

  test('nesting is bounded', () => {
    let parent: Record<string, unknown> = { value: 'c0' };
    for (let i = 1; i < 40; i++) parent = { value: `c${i}`, parent };
    expect(protocolError(() => agent.body('status_update', update({ container_status: { container_id: parent } }))).message).toMatch(/nested deeper than 32$/);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(protocolError(() => agent.body('run_task', runTask(task({ check: deep })))).message).toMatch(/^run_task\.task\.check(\[0\])+: nested deeper than 32$/);
  });

  test('a message the protocol does not have is refused', () => {
    expect(protocolError(() => agent.body('bogus' as 'ping', {})).message).toBe('bogus: not a message of this protocol');
  });

  test('every schema of every protocol is complete: each names known types (construction would throw otherwise)', () => {
    expect(new MessageValidator({ ...AGENT_TO_MASTER, ...SCHEDULER_TO_MASTER }).has('accept')).toBe(true);
    expect(executor.has('reconnect')).toBe(true);
    expect(() => new MessageValidator<{ x: { a: number } }>({ x: { a: 'NoSuchType' } })).toThrow("schema x.a: unknown type 'NoSuchType'");
  });
});

describe('validated(handlers)', () => {
  type P = { ping: { connected: boolean }; shutdown: { message: string } };
  const v = new MessageValidator<P>({ ping: MASTER_TO_AGENT.ping, shutdown: MASTER_TO_AGENT.shutdown } as never);

  test('a bad body is counted, logged with the sender and field path, answered, and the next message is served', () => {
    const seen: unknown[] = [];
    const counted: string[] = [];
    const warnings: string[] = [];
    const replies: [string, string, string][] = [];
    const table = validated<P, string>(
      { ping: (b) => seen.push(b), shutdown: (b) => seen.push(b) },
      v,
      { count: (name) => counted.push(name), warn: (m) => warnings.push(m), reply: (name, from, error) => replies.push([name, from, error]) },
    );
    table.ping({ connected: 'no' } as never, 'spoofer@127.0.0.1:1');
    expect(seen).toEqual([]);
    expect(counted).toEqual(['ping']);
    expect(warnings).toEqual(['refused \'ping\' from spoofer@127.0.0.1:1: ping.connected: expected a boolean, got the string "no"']);
    expect(replies).toEqual([['ping', 'spoofer@127.0.0.1:1', 'invalid \'ping\' message: ping.connected: expected a boolean, got the string "no"']]);
    table.ping({ connected: true, junk: 1 } as never, 'master@127.0.0.1:2');
    expect(seen).toEqual([{ connected: true }]);
  });

  test('a flood is logged at a bounded rate', () => {
    const warnings: string[] = [];
    let counted = 0;
    const table = validated<P, string>({ ping: () => {}, shutdown: () => {} }, v, { count: () => counted++, warn: (m) => warnings.push(m) });
    for (let i = 0; i < 1000; i++) table.shutdown({} as never, 'x@127.0.0.1:1');
    expect(counted).toBe(1000);
    // The first ten, then 16, 32, ..., 512.
    expect(warnings.length).toBe(16);
    expect(warnings[15]).toContain('(512 refused so far)');
  });

  test('an error thrown by a handler is not taken for a bad body', () => {
    const table = validated<P, string>({ ping: () => { throw new Error('bug'); }, shutdown: () => {} }, v, { count: () => {}, warn: () => {} });
    expect(() => table.ping({ connected: true }, 'm@127.0.0.1:1')).toThrow('bug');
  });
});

describe('owned bodies: clean parts handed on as they are', () => {
  test('a clean body decoded from a frame is the very object; one from this runtime is a copy', () => {
    const body = viaWire(runTask()) as Record<string, unknown>;
    expect(agent.body('run_task', body, true)).toBe(body);
    const copy = agent.body('run_task', body);
    expect(copy).not.toBe(body);
    expect(copy).toEqual(body);
  });

  test('what needs cleaning is copied, its clean siblings are shared', () => {
    const body = viaWire(runTask(task({ extra: 'dropped', labels: null }))) as { task: Record<string, unknown>; framework: unknown; framework_id: unknown };
    const clean = agent.body('run_task', body, true) as unknown as typeof body;
    expect(clean).not.toBe(body);
    expect(clean.task).not.toBe(body.task);
    expect(clean.task).toEqual(task());
    expect(clean.task['task_id']).toBe(body.task['task_id']);
    expect(clean.task['resources']).toBe(body.task['resources']);
    expect(clean.framework).toBe(body.framework);
    expect(clean.framework_id).toBe(body.framework_id);
  });

  test('an array with one unclean item is a new array sharing the clean items', () => {
    const resources = [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 2 }, bogus: 1 }];
    const body = viaWire(runTask(task({ resources }))) as { task: { resources: unknown[] } };
    const clean = agent.body('run_task', body, true) as unknown as typeof body;
    expect(clean.task.resources).not.toBe(body.task.resources);
    expect(clean.task.resources[0]).toBe(body.task.resources[0]);
    expect(clean.task.resources[1]).toEqual({ name: 'mem', type: 'SCALAR', scalar: { value: 2 } });
  });

  test('an owned body is refused as any other', () => {
    expect(protocolError(() => agent.body('run_task', viaWire(runTask(task({ task_id: { value: '../x' } }))), true)).message).toMatch(/run_task\.task\.task_id\.value: .*must not contain '\/'/);
    expect(protocolError(() => master.body('status_update', viaWire(update({ state: 'TASK_NOPE' })), true)).message).toMatch(/status_update\.update\.status\.state: unknown TaskState value "TASK_NOPE"/);
  });

  test('validated() asks owned(from) per message', () => {
    const seen: unknown[] = [];
    const table = validated<Pick<AgentSide, 'run_task'>, string>({ run_task: (b) => seen.push(b) }, agent as unknown as MessageValidator<Pick<AgentSide, 'run_task'>>, { count: () => {}, warn: () => {} }, (from) => from === 'remote');
    const body = viaWire(runTask());
    table.run_task(body as AgentSide['run_task'], 'remote');
    table.run_task(body as AgentSide['run_task'], 'local');
    expect(seen[0]).toBe(body);
    expect(seen[1]).not.toBe(body);
    expect(seen[1]).toEqual(body);
  });
});
