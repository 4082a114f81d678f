// The agent's v1 operator API (POST /api/v1), /metrics/snapshot and the
// Prometheus /metrics of a real agent with a finished command task, a
// running one, and a custom executor that has not subscribed yet (its task
// queued). Each response is compared with a golden file (agent/test/golden/)
// after the values that differ from run to run (uuids, times, ports,
// container ids, paths) are replaced by placeholders; every response is also
// canonical v1 JSON of agent.proto (decode then encode gives it back).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PID } from 'libprocess-ts';
import { decode, encode } from '../../protocol/json/index.js';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import type { ExecutorInfo } from '../../protocol/types.js';
import type { StartedAgent } from '../main.js';
import { AGENT_VERSION } from '../registration.js';
import { expectGolden } from './golden.js';
import { FRAMEWORK, commandTask } from './helpers.js';
import { get, post, waitUntil, type Json } from './http-client.js';
import { realAgent, realMaster, type RealSetup, stopRealAgent } from './real.js';

let setup: RealSetup;
let agent: StartedAgent & { agentPid: PID<MasterToAgent> };
let base: string;

beforeAll(async () => {
  setup = await realMaster();
  agent = await realAgent(setup, { executor_registration_timeout: '60secs', hostname: 'agent-host' });
  base = `http://${agent.pid.address}`;
  await setup.master.waitFor((m) => m.name === 'register_agent');
  const run = (task: ReturnType<typeof commandTask>): void => setup.master.sendTo(agent.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task });
  run(commandTask('done', 'true'));
  run(commandTask('long', 'exec sleep 60'));
  const mute: ExecutorInfo = { executor_id: { value: 'mute' }, name: 'mute executor', command: { shell: true, value: 'exec sleep 60' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.2 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }] };
  const queued = { ...commandTask('queued', ''), executor: mute };
  delete (queued as { command?: unknown }).command;
  run(queued);
  await setup.master.update('done', 'TASK_FINISHED');
  await setup.master.update('long', 'TASK_RUNNING');
  // 'done' is complete once its terminal update is acknowledged (the scripted master acknowledges at once).
  await waitUntil(() => agent.agent.task(FRAMEWORK.id!.value, 'done') !== undefined && agent.agent.executors().every((e) => e.id !== 'done'), "'done' completed");
  await waitUntil(() => agent.agent.executors().find((e) => e.id === 'mute')?.container !== undefined, 'the mute executor launched');
  await waitUntil(() => agent.agent.task(FRAMEWORK.id!.value, 'long')?.task.status_update_state === 'TASK_RUNNING', "the acknowledgement of 'long' running");
});

afterAll(async () => {
  await stopRealAgent(setup, agent, FRAMEWORK.id!);
});

async function operator(body: unknown): Promise<Json> {
  const r = await post(base, '/api/v1', body);
  expect([r.status, r.headers['content-type']]).toEqual([200, 'application/json']);
  const json = JSON.parse(r.text) as Json;
  expect(encode('agent.Response', decode('agent.Response', json))).toEqual(json);
  return json;
}

describe('POST /api/v1 on the agent', () => {
  test('GET_HEALTH, GET_VERSION, GET_AGENT, GET_FLAGS', async () => {
    expect(await operator({ type: 'GET_HEALTH' })).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
    expect(await operator({ type: 'GET_VERSION' })).toEqual({ type: 'GET_VERSION', get_version: { version_info: { version: AGENT_VERSION } } });
    const a = await operator({ type: 'GET_AGENT' });
    expect(a.get_agent.agent_info).toMatchObject({ id: { value: 'M-S0' }, hostname: 'agent-host', port: agent.pid.port });
    expectGolden('GET_AGENT', a, setup.workDir);
    const flags = (await operator({ type: 'GET_FLAGS' })).get_flags.flags as { name: string; value: string }[];
    expect(flags).toEqual(expect.arrayContaining([{ name: 'work_dir', value: setup.workDir }, { name: 'executor_registration_timeout', value: '1mins' }, { name: 'hostname', value: 'agent-host' }]));
    expect(flags.map((f) => f.name)).toEqual([...flags.map((f) => f.name)].sort());
  });

  test('GET_STATE and its parts GET_TASKS, GET_EXECUTORS, GET_FRAMEWORKS', async () => {
    const state = await operator({ type: 'GET_STATE' });
    const t = state.get_state.get_tasks;
    const ids = (list?: Json[]): string[] => (list ?? []).map((x) => x.task_id.value).sort();
    expect([ids(t.pending_tasks), ids(t.queued_tasks), ids(t.launched_tasks), ids(t.terminated_tasks), ids(t.completed_tasks)]).toEqual([[], ['queued'], ['long'], [], ['done']]);
    expect(t.launched_tasks[0].statuses.map((s: Json) => s.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    expect(state.get_state.get_executors.executors.map((e: Json) => e.executor_info.executor_id.value).sort()).toEqual(['long', 'mute']);
    expect(state.get_state.get_frameworks.frameworks[0].framework_info.id).toEqual(FRAMEWORK.id);
    expectGolden('GET_STATE', state, setup.workDir);
    expect(await operator({ type: 'GET_TASKS' })).toEqual({ type: 'GET_TASKS', get_tasks: t });
    expect(await operator({ type: 'GET_EXECUTORS' })).toEqual({ type: 'GET_EXECUTORS', get_executors: state.get_state.get_executors });
    expect(await operator({ type: 'GET_FRAMEWORKS' })).toEqual({ type: 'GET_FRAMEWORKS', get_frameworks: state.get_state.get_frameworks });
  });

  test('GET_CONTAINERS: one per live executor, with its statistics', async () => {
    const c = await operator({ type: 'GET_CONTAINERS' });
    const containers = c.get_containers.containers as Json[];
    const byExecutor = new Map(containers.map((x) => [x.executor_id.value, x]));
    expect([...byExecutor.keys()].sort()).toEqual(['long', 'mute']);
    for (const ex of agent.agent.executors()) {
      const x = byExecutor.get(ex.id)!;
      expect(x.container_id).toEqual({ value: ex.containerId });
      expect(x.framework_id).toEqual(FRAMEWORK.id);
      expect(typeof x.resource_statistics.timestamp).toBe('number');
    }
    expect(byExecutor.get('mute')!.resource_statistics).toMatchObject({ cpus_limit: 0.2, mem_limit_bytes: 16 * 1024 * 1024 });
    expect(Object.keys(byExecutor.get('long')!).sort()).toEqual(['container_id', 'container_status', 'executor_id', 'executor_name', 'framework_id', 'resource_statistics']);
  });

  test('GET_METRICS carries the same numbers as /metrics/snapshot', async () => {
    const snapshot = JSON.parse((await get(`${base}/metrics/snapshot`)).text) as Record<string, number>;
    const metrics = (await operator({ type: 'GET_METRICS' })).get_metrics.metrics as { name: string; value: number }[];
    // (the API's own call counters, slave/api/..., and the uptime move between the two requests)
    const steady = (name: string): boolean => !name.startsWith('slave/api/') && name !== 'slave/uptime_secs';
    expect(metrics.map((m) => m.name).filter(steady)).toEqual(Object.keys(snapshot).filter(steady));
    for (const m of metrics) if (steady(m.name)) expect([m.name, m.value]).toEqual([m.name, snapshot[m.name]]);
    expect(metrics.find((m) => m.name === 'slave/api/operator/get_metrics')!.value).toBe(1);
    // Mesos's containerizer and gc metrics: 'done' finished (its sandbox waits for --gc_delay), 'long' and 'mute' run.
    expect(snapshot).toMatchObject({ 'containerizer/mesos/containers_running': 2, 'containerizer/mesos/container_destroy_errors': 0, 'gc/path_removals_succeeded': 0, 'gc/path_removals_failed': 0 });
    expect(snapshot['gc/path_removals_pending']).toBeGreaterThanOrEqual(1);
  });

  test('bad requests: 405, 400, 415, 406, 400 naming the field, 501 for calls not carried out; the query string is ignored', async () => {
    const bad = async (body: unknown, headers: Record<string, string | null>, status: number, text: string | RegExp, path = '/api/v1'): Promise<void> => {
      const r = await post(base, path, body, headers);
      expect(r.status).toBe(status);
      if (typeof text === 'string') expect(r.text).toBe(`${text}\n`);
      else expect(r.text).toMatch(text);
    };
    expect((await get(`${base}/api/v1`)).status).toBe(405);
    await bad({ type: 'GET_HEALTH' }, { 'content-type': null }, 400, "Expecting 'Content-Type' to be present");
    await bad({ type: 'GET_HEALTH' }, { 'content-type': 'application/xml' }, 415, "Expecting 'Content-Type' of application/json, received 'application/xml'");
    await bad({ type: 'GET_HEALTH' }, { accept: 'text/html' }, 406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
    await bad('{"type":', {}, 400, /^Failed to parse body into JSON: /);
    await bad({ type: 'GET_AGENTS' }, {}, 400, /^Failed to convert JSON into Call protobuf: type: unknown agent\.Call\.Type value 'GET_AGENTS' \(expected one of UNKNOWN, GET_HEALTH/);
    await bad({ type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 'soon' } } }, {}, 400, 'Failed to convert JSON into Call protobuf: get_metrics.timeout.nanoseconds: expected an integer (int64), got the string "soon"');
    await bad({}, {}, 400, "Failed to validate agent::Call: Expecting 'type' to be present");
    await bad({ type: 'UNKNOWN' }, {}, 501, "Received an 'UNKNOWN' call");
    await bad({ type: 'LAUNCH_CONTAINER', launch_container: { container_id: { value: 'x' } } }, {}, 501, "LAUNCH_CONTAINER of a standalone container (no 'container_id.parent') is not supported by this agent");
    await bad({ type: 'LAUNCH_NESTED_CONTAINER_SESSION', launch_nested_container_session: { container_id: { value: 'x' } } }, {}, 501, 'LAUNCH_NESTED_CONTAINER_SESSION is not supported by this agent');
    const q = await post(base, '/api/v1?jsonp=x&pretty=true', { type: 'GET_HEALTH' });
    expect([q.status, JSON.parse(q.text)]).toEqual([200, { type: 'GET_HEALTH', get_health: { healthy: true } }]);
    const own = await post(base, '/slave(1)/api/v1', { type: 'GET_HEALTH' });
    expect(own.status).toBe(200);
  });
});

describe('POST /api/v1 on the agent: logging level, files, operations, resource providers', () => {
  const golden = (name: string): Json => JSON.parse(readFileSync(fileURLToPath(new URL(`../../protocol/test/golden/${name}.json`, import.meta.url)), 'utf8')) as Json;
  /** Fields that differ from machine to machine and run to run, as the golden has them. */
  const likeGolden = (infos: Json[], golden: Json[]): Json[] => infos.map((f, i) => ({ ...f, nlink: golden[i]!.nlink, mtime: golden[i]!.mtime, mode: golden[i]!.mode, uid: golden[i]!.uid, gid: golden[i]!.gid }));

  test('GET_LOGGING_LEVEL, SET_LOGGING_LEVEL (held, then reset)', async () => {
    expect(await operator(golden('agent.Call@GET_LOGGING_LEVEL'))).toEqual(golden('agent.Response@GET_LOGGING_LEVEL'));
    const set = await post(base, '/api/v1', golden('agent.Call@SET_LOGGING_LEVEL'));
    expect([set.status, set.text]).toEqual([200, '']);
    expect((await operator({ type: 'GET_LOGGING_LEVEL' })).get_logging_level.level).toBe(1);
    expect((await get(`${base}/logging/toggle`)).text).toBe('1\n');
    expect((await get(`${base}/logging/toggle?level=0&duration=1secs`)).status).toBe(200);
    expect((await operator({ type: 'GET_LOGGING_LEVEL' })).get_logging_level.level).toBe(0);
    const bad = await post(base, '/api/v1', { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1 } });
    expect([bad.status, bad.text]).toEqual([400, 'Failed to convert JSON into Call protobuf: set_logging_level.duration: missing required field of agent.Call.SetLoggingLevel\n']);
    expect((await get(`${base}/logging/toggle?level=1`)).text).toBe("Expecting 'duration=value' in query\n");
  });

  test('LIST_FILES and READ_FILE: a sandbox, as /files/browse and /files/read serve it', async () => {
    const long = agent.agent.executors().find((e) => e.id === 'long')!;
    writeFileSync(`${long.directory}/hello.txt`, 'hi\n');
    const listed = await post(base, '/api/v1', { type: 'LIST_FILES', list_files: { path: long.directory } });
    expect(listed.status).toBe(200);
    const infos = (JSON.parse(listed.text) as Json).list_files.file_infos as Json[];
    const g = golden('agent.Response@LIST_FILES').list_files.file_infos as Json[];
    const shown = (path: string): string => path.replace(long.directory, g[0]!.path.replace(/\/hello\.txt$/, ''));
    const mine = infos.filter((f) => f.path.endsWith('/hello.txt') || f.path.endsWith('/stdout')).map((f) => ({ ...f, path: shown(f.path) }));
    expect(likeGolden(mine, g)).toEqual(g);
    const read = await operator({ type: 'READ_FILE', read_file: { path: `${long.directory}/hello.txt`, offset: 0, length: 64 } });
    expect(read).toEqual(golden('agent.Response@READ_FILE'));
    const outside = await post(base, '/api/v1', { type: 'READ_FILE', read_file: { path: '/etc/passwd', offset: 0 } });
    expect([outside.status, outside.text]).toEqual([403, "Path '/etc/passwd' is outside the sandboxes\n"]);
  });

  test('GET_OPERATIONS and GET_RESOURCE_PROVIDERS: none here', async () => {
    expect(await operator(golden('agent.Call@GET_OPERATIONS'))).toEqual(golden('agent.Response@GET_OPERATIONS'));
    expect(await operator(golden('agent.Call@GET_RESOURCE_PROVIDERS'))).toEqual(golden('agent.Response@GET_RESOURCE_PROVIDERS'));
  });

  test('/containers: each running container with its statistics', async () => {
    const r = await get(`${base}/containers`);
    const list = JSON.parse(r.text) as Json[];
    expect(list.map((c) => c.executor_id).sort()).toEqual(['long', 'mute']);
    expect(list.find((c) => c.executor_id === 'mute')!.statistics).toMatchObject({ cpus_limit: 0.2, mem_limit_bytes: 16 * 1024 * 1024 });
  });
});

describe('/metrics/snapshot and /metrics', () => {
  test("Mesos's metric names, with the agent's numbers", async () => {
    const r = await get(`${base}/metrics/snapshot`);
    expect(r.status).toBe(200);
    const m = JSON.parse(r.text) as Record<string, number>;
    expect(m).toMatchObject({
      'slave/registered': 1,
      'slave/frameworks_active': 1,
      'slave/tasks_staging': 1,
      'slave/tasks_running': 1,
      'slave/tasks_finished': 1,
      'slave/tasks_failed': 0,
      'slave/tasks_killed': 0,
      'slave/executors_running': 1,
      'slave/executors_registering': 1,
      'slave/executors_terminated': 1, // 'done'
      'slave/cpus_total': 2,
      'slave/mem_total': 1024,
      'slave/disk_total': 1024,
      'slave/gpus_total': 0,
    });
    // long (0.1 cpus, 32 MB) + queued (0.1, 32) + the mute executor itself (0.2, 16).
    expect(m['slave/cpus_used']).toBeCloseTo(0.4, 10);
    expect(m['slave/mem_used']).toBe(80);
    expect(m['slave/cpus_percent']).toBeCloseTo(0.2, 10);
    expect(m['slave/uptime_secs']).toBeGreaterThan(0);
    for (const name of ['slave/valid_status_updates', 'slave/invalid_status_updates', 'slave/valid_framework_messages', 'slave/invalid_framework_messages', 'slave/executors_terminating', 'slave/disk_used']) expect(typeof m[name]).toBe('number');
    expect(await get(`${base}/slave(1)/metrics/snapshot`).then((x) => x.status)).toBe(200);
  });

  test('Prometheus text: one gauge per metric, same values', async () => {
    const r = await get(`${base}/metrics`);
    expect([r.status, r.headers['content-type']]).toEqual([200, 'text/plain; version=0.0.4']);
    expect(r.text).toContain('# TYPE mesos_slave_tasks_running gauge\nmesos_slave_tasks_running 1\n');
    expect(r.text).toContain('mesos_slave_tasks_finished 1\n');
    expect(r.text).toContain('mesos_slave_mem_total 1024\n');
  });
});
