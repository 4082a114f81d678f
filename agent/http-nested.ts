/**
 * The nested-container calls of the agent's v1 operator API
 * (nested-containers.ts does the work): LAUNCH_NESTED_CONTAINER,
 * WAIT_NESTED_CONTAINER, KILL_NESTED_CONTAINER, REMOVE_NESTED_CONTAINER,
 * and LAUNCH_CONTAINER, WAIT_CONTAINER, KILL_CONTAINER, REMOVE_CONTAINER for
 * a container_id with a parent (LAUNCH_CONTAINER's `resources` become the
 * container's own limits).
 *
 * Who may call: an operator (the operator API's own authentication), or an
 * executor presenting its token (`Authorization: Bearer`, the
 * MESOS_EXECUTOR_AUTHENTICATION_TOKEN the agent gave it), and then only for
 * containers under its own container; a token is good for these calls only.
 *
 * Answers: LAUNCH 200 (202 when the container exists already), WAIT 200 with
 * the exit status once it ended, KILL and REMOVE 200; 400 for a malformed
 * call naming the field, 401/403 for a bad or foreign token, 404 for an
 * unknown container, 409 for a parent being destroyed or REMOVE of a running
 * container.
 */
import type { HttpResponse } from 'libprocess-ts';
import type { AgentCall, AgentContainer, AgentResponse } from '../protocol/json/index.js';
import type { ContainerID } from '../protocol/ids.js';
import type { AgentView, OperatorCalls } from './view.js';
import { NestedError } from './nested-containers.js';

const text = (status: number, message: string, headers: Record<string, string> = {}): HttpResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: `${message}\n` });

/** The calls this module answers (the *_CONTAINER forms only for a container with a parent). */
export function isNestedCall(call: AgentCall): boolean {
  switch (call.type) {
    case 'LAUNCH_NESTED_CONTAINER':
    case 'WAIT_NESTED_CONTAINER':
    case 'KILL_NESTED_CONTAINER':
    case 'REMOVE_NESTED_CONTAINER':
      return true;
    case 'LAUNCH_CONTAINER':
    case 'WAIT_CONTAINER':
    case 'REMOVE_CONTAINER':
      return true;
    case 'KILL_CONTAINER':
      return call.kill_container?.container_id?.parent !== undefined;
    default:
      return false;
  }
}

/** The container a nested call names. */
function targetOf(call: AgentCall): ContainerID | undefined {
  return (
    call.launch_nested_container?.container_id ??
    call.wait_nested_container?.container_id ??
    call.kill_nested_container?.container_id ??
    call.remove_nested_container?.container_id ??
    call.launch_container?.container_id ??
    call.wait_container?.container_id ??
    call.kill_container?.container_id ??
    call.remove_container?.container_id
  );
}

/**
 * A call made with an executor's token: only nested calls, only under the
 * executor's own container. Undefined when allowed, else the refusal.
 */
export function refuseExecutorCall(agent: OperatorCalls, call: AgentCall, token: string): HttpResponse | undefined {
  const claims = agent.executorTokens.verify(token);
  if ('error' in claims) {
    agent.count('slave/executor_authentication_failures');
    return text(401, `Executor authentication failed: ${claims.error}`, { 'www-authenticate': 'Bearer realm="mesos-agent-executor"' });
  }
  if (!isNestedCall(call)) return text(403, `An executor's token allows the nested container calls only, not ${call.type ?? 'UNKNOWN'}`);
  const parent = targetOf(call)?.parent;
  if (parent === undefined) return undefined; // refused as malformed by nestedCall
  const ex = agent.nested.executorOf(parent.value);
  if (parent.value !== claims.cid || ex === undefined || ex.id !== claims.eid || ex.frameworkId !== claims.fid) {
    return text(403, `Executor '${claims.eid}' of framework '${claims.fid}' may act only on containers under its own container ${claims.cid}, not under ${parent.value}`);
  }
  return undefined;
}

/** Carries out a nested call (`isNestedCall` true; who called was checked). */
export async function nestedCall(agent: OperatorCalls, call: AgentCall, byExecutor: boolean): Promise<HttpResponse | AgentResponse> {
  const target = targetOf(call);
  if (target === undefined || typeof target.value !== 'string' || target.value === '') return text(400, `Failed to validate agent::Call: Expecting 'container_id.value' of ${call.type} to be a non-empty string`);
  if (target.parent === undefined) {
    // Mesos's standalone containers (a *_CONTAINER call without a parent) are not run here.
    if (!call.type!.includes('NESTED')) return text(501, `${call.type} of a standalone container (no 'container_id.parent') is not supported by this agent`);
    return text(400, `Failed to validate agent::Call: ${call.type} needs a nested container: 'container_id.parent' is missing`);
  }
  try {
    switch (call.type) {
      case 'LAUNCH_NESTED_CONTAINER':
      case 'LAUNCH_CONTAINER': {
        const body = call.launch_nested_container ?? call.launch_container!;
        const launched = await agent.nested.launch({
          containerId: target,
          ...(body.command !== undefined ? { command: body.command } : {}),
          ...(body.container !== undefined ? { container: body.container } : {}),
          ...(call.launch_container?.resources !== undefined ? { resources: call.launch_container.resources } : {}),
          byExecutor,
        });
        return { status: launched ? 200 : 202 };
      }
      case 'WAIT_NESTED_CONTAINER':
      case 'WAIT_CONTAINER': {
        const result = await agent.nested.wait(target);
        return call.type === 'WAIT_CONTAINER' ? { type: 'WAIT_CONTAINER', wait_container: result } : { type: 'WAIT_NESTED_CONTAINER', wait_nested_container: result };
      }
      case 'KILL_NESTED_CONTAINER':
      case 'KILL_CONTAINER':
        agent.nested.kill(target, (call.kill_nested_container ?? call.kill_container)?.signal);
        return { status: 200 };
      case 'REMOVE_NESTED_CONTAINER':
      case 'REMOVE_CONTAINER':
        await agent.nested.remove(target);
        return { status: 200 };
      default:
        return text(501, `${call.type ?? 'UNKNOWN'} is not supported by this agent`);
    }
  } catch (e) {
    if (e instanceof NestedError) return text(e.status, e.message);
    throw e;
  }
}

/** The nested containers as GET_CONTAINERS (show_nested) and /containers list them: each container_id names its parent. */
export async function nestedContainerEntries(agent: AgentView): Promise<AgentContainer[]> {
  const out: AgentContainer[] = [];
  for (const c of agent.nested.list()) {
    if (c.termination !== undefined || c.handle === undefined) continue;
    const id = { value: c.id, parent: { value: c.parent } };
    const entry: AgentContainer = { framework_id: { value: c.executor.frameworkId }, executor_id: { value: c.executor.id }, executor_name: c.executor.info.name ?? '', container_id: id, container_status: { container_id: id } };
    try {
      entry.resource_statistics = { ...(await c.handle.usage()) };
    } catch {
      // ended meanwhile: listed without statistics
    }
    out.push(entry);
  }
  return out;
}
