/**
 * The Mesos v1 operator API of the agent: `POST /api/v1`
 * (include/mesos/v1/agent/agent.proto). Answers GET_HEALTH, GET_FLAGS,
 * GET_VERSION, GET_METRICS, GET_STATE, GET_CONTAINERS, GET_FRAMEWORKS,
 * GET_EXECUTORS, GET_TASKS and GET_AGENT with 200 and
 * `{"type": ..., "<get_x>": {...}}` written through the agent.Response
 * schema; the logging, file, operation and resource provider calls in
 * operator-admin.ts; KILL_CONTAINER shuts an executor's container down
 * (kill-container.ts); the nested container calls, also open to executors
 * with their token (http-nested.ts); other calls of agent.proto answer 501, UNKNOWN too (as Mesos);
 * a call that does not parse, or names no known type, 400 naming the field.
 * The query string of the path is ignored.
 */
import type { HttpRequest, HttpResponse } from 'libprocess-ts';
import { decode, encode, type AgentCall, type AgentContainer, type AgentGetExecutors, type AgentGetFrameworks, type AgentGetTasks, type AgentResponse } from '../protocol/json/index.js';
import { speaksProtobuf } from '../protocol/proto/http.js';
import { isTerminal } from '../protocol/task-states.js';
import type { Task } from '../protocol/types.js';
import type { AgentView, OperatorCalls } from './view.js';
import { formatDuration } from './flags.js';
import { agentAdminCall, READONLY_AGENT_CALLS } from './operator-admin.js';
import { killContainer } from './kill-container.js';
import { bearerToken } from './executor-token.js';
import { isNestedCall, nestedCall, nestedContainerEntries, refuseExecutorCall } from './http-nested.js';
import { agentMetrics } from './metrics.js';
import { AGENT_VERSION } from './registration.js';
import { newTaskRecord, type ExecutorRecord, type FrameworkRecord } from './state.js';

const text = (status: number, message: string, headers: Record<string, string> = {}): HttpResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: `${message}\n` });

/** Flags holding milliseconds, shown as Mesos durations ("5secs"). */
const DURATION_FLAGS = new Set(['registration_backoff_factor', 'executor_registration_timeout', 'executor_shutdown_grace_period', 'recovery_timeout', 'gc_delay', 'status_update_retry_interval_min', 'status_update_retry_interval_max']);

export function agentFlagList(agent: AgentView): { name: string; value: string }[] {
  return Object.entries(agent.flags)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, v]) => ({ name, value: DURATION_FLAGS.has(name) && typeof v === 'number' ? formatDuration(v) : typeof v === 'object' ? JSON.stringify(v) : String(v) }));
}

/** Every framework the agent knows, live ones first. */
function allFrameworks(agent: AgentView): FrameworkRecord[] {
  return [...agent.frameworks.values(), ...agent.completedFrameworks];
}

export function getTasks(agent: AgentView): AgentGetTasks {
  const agentId = agent.agentId ?? '';
  const queued: Task[] = [];
  const launched: Task[] = [];
  const terminated: Task[] = [];
  const completed: Task[] = [];
  for (const fw of allFrameworks(agent)) {
    for (const ex of [...fw.executors.values(), ...fw.completedExecutors]) {
      for (const info of ex.queued.values()) queued.push(newTaskRecord(info, fw.id, ex.id, agentId).task);
      for (const rec of ex.tasks.values()) (isTerminal(rec.task.state) ? terminated : launched).push(rec.task);
      for (const rec of ex.completed) completed.push(rec.task);
    }
  }
  return { pending_tasks: [], queued_tasks: queued, launched_tasks: launched, terminated_tasks: terminated, completed_tasks: completed };
}

export function getExecutors(agent: AgentView): AgentGetExecutors {
  const executors: ExecutorRecord[] = [];
  const completed: ExecutorRecord[] = [];
  for (const fw of agent.frameworks.values()) {
    executors.push(...fw.executors.values());
    completed.push(...fw.completedExecutors);
  }
  for (const fw of agent.completedFrameworks) completed.push(...fw.executors.values(), ...fw.completedExecutors);
  return { executors: executors.map((e) => ({ executor_info: e.info })), completed_executors: completed.map((e) => ({ executor_info: e.info })) };
}

export function getFrameworks(agent: AgentView): AgentGetFrameworks {
  return {
    frameworks: [...agent.frameworks.values()].map((f) => ({ framework_info: f.info })),
    completed_frameworks: agent.completedFrameworks.map((f) => ({ framework_info: f.info })),
  };
}

/** The executors' containers, and with `nested` the containers under them (http-nested.ts). */
export async function getContainers(agent: AgentView, nested = false): Promise<{ containers: AgentContainer[] }> {
  const containers: AgentContainer[] = [];
  for (const ex of agent.executors()) {
    if (ex.state === 'TERMINATED' || ex.container === undefined) continue;
    const c: AgentContainer = {
      framework_id: { value: ex.frameworkId },
      executor_id: { value: ex.id },
      executor_name: ex.info.name ?? '',
      container_id: { value: ex.containerId },
      container_status: { container_id: { value: ex.containerId } },
    };
    try {
      const statistics = await ex.container.usage();
      const limits: Record<string, number> = {};
      if (ex.limits.cpus !== undefined) limits['cpus_limit'] = ex.limits.cpus;
      if (ex.limits.memMb !== undefined) limits['mem_limit_bytes'] = ex.limits.memMb * 1024 * 1024;
      c.resource_statistics = { ...limits, ...statistics };
    } catch {
      // ended meanwhile: listed without statistics
    }
    containers.push(c);
  }
  if (nested) containers.push(...(await nestedContainerEntries(agent)));
  return { containers };
}

/** The answer to a call, or an HTTP error; undefined: not carried out here (501). */
async function answer(agent: OperatorCalls, call: AgentCall): Promise<AgentResponse | undefined> {
  switch (call.type) {
    case 'GET_HEALTH':
      return { type: 'GET_HEALTH', get_health: { healthy: true } };
    case 'GET_FLAGS':
      return { type: 'GET_FLAGS', get_flags: { flags: agentFlagList(agent) } };
    case 'GET_VERSION':
      return { type: 'GET_VERSION', get_version: { version_info: { version: AGENT_VERSION } } };
    case 'GET_METRICS':
      return { type: 'GET_METRICS', get_metrics: { metrics: Object.entries(agentMetrics(agent)).map(([name, value]) => ({ name, value })) } };
    case 'GET_STATE':
      return { type: 'GET_STATE', get_state: { get_tasks: getTasks(agent), get_executors: getExecutors(agent), get_frameworks: getFrameworks(agent) } };
    case 'GET_CONTAINERS':
      return { type: 'GET_CONTAINERS', get_containers: await getContainers(agent, call.get_containers?.show_nested === true) };
    case 'GET_FRAMEWORKS':
      return { type: 'GET_FRAMEWORKS', get_frameworks: getFrameworks(agent) };
    case 'GET_EXECUTORS':
      return { type: 'GET_EXECUTORS', get_executors: getExecutors(agent) };
    case 'GET_TASKS':
      return { type: 'GET_TASKS', get_tasks: getTasks(agent) };
    case 'GET_AGENT':
      return { type: 'GET_AGENT', get_agent: { agent_info: agent.agentInfo() } };
    default:
      return undefined;
  }
}

export function installOperatorApi(agent: OperatorCalls): void {
  const handle = async (req: HttpRequest): Promise<HttpResponse> => {
    // An executor's token (nested container calls, http-nested.ts), else credentials that are sent are checked first;
    // whether any are needed depends on the call.
    const token = bearerToken(req.headers['authorization']);
    const who = token !== undefined ? { principal: undefined } : agent.httpAuth.authenticate(req, agent.httpAuth.required('readonly') ? 'readonly' : 'readwrite');
    if ('response' in who) return who.response;
    if (req.method !== 'POST') return text(405, `Expecting 'POST', received '${req.method}'`, { allow: 'POST' });
    const rawType = req.headers['content-type'];
    if (rawType === undefined) return text(400, "Expecting 'Content-Type' to be present");
    const contentType = rawType.split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json') return text(415, `Expecting 'Content-Type' of application/json, received '${rawType}'`);
    const accept = req.headers['accept'];
    if (accept !== undefined && !/(application\/json|application\/\*|\*\/\*)/i.test(accept)) return text(406, `Expecting 'Accept' to allow 'application/json', received '${accept}'`);
    let call: AgentCall;
    try {
      call = decode('agent.Call', JSON.parse(req.body.toString('utf8')));
    } catch (err) {
      return text(400, err instanceof SyntaxError ? `Failed to parse body into JSON: ${err.message}` : `Failed to convert JSON into Call protobuf: ${(err as Error).message}`);
    }
    if (call.type === undefined) return text(400, "Failed to validate agent::Call: Expecting 'type' to be present");
    if (token !== undefined) {
      const refused = refuseExecutorCall(agent, call, token);
      if (refused !== undefined) return refused;
    }
    const access = call.type.startsWith('GET_') || READONLY_AGENT_CALLS.has(call.type) ? 'readonly' : 'readwrite';
    if (token === undefined && who.principal === undefined && agent.httpAuth.required(access)) {
      const again = agent.httpAuth.authenticate(req, access);
      if ('response' in again) return again.response;
    }
    agent.count(`slave/api/operator/${call.type.toLowerCase()}`);
    if (call.type === 'UNKNOWN') return text(501, "Received an 'UNKNOWN' call");
    const response = isNestedCall(call) ? await nestedCall(agent, call, token !== undefined) : call.type === 'KILL_CONTAINER' ? killContainer(agent, call.kill_container) : ((await answer(agent, call)) ?? (await agentAdminCall(agent, call)));
    if (response === undefined) return text(501, `${call.type} is not supported by this agent`);
    if ('status' in response) return response;
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(encode('agent.Response', response)) };
  };
  agent.route('/api/v1', speaksProtobuf({ call: 'agent.Call', response: 'agent.Response' }, handle));
}

/** Top-level path startAgent aliases to the operator API (as Mesos serves /api/v1). */
export const OPERATOR_API_PATH = '/api/v1';
