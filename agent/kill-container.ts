/**
 * KILL_CONTAINER of the v1 agent operator API (`{"type": "KILL_CONTAINER",
 * "kill_container": {"container_id": {"value": ...}}}`), for the top-level
 * containers this agent runs (one per executor): the executor is shut down as
 * a framework's SHUTDOWN would (a command task is killed: TASK_KILLED; a custom
 * executor is asked to shut down, then destroyed after its grace period).
 * `mesos-ts task kill` uses it. A container this agent does not run: 404, as
 * Mesos. `signal` is not honoured (the agent's kill is SIGTERM, then SIGKILL
 * after the grace period). Nested and standalone containers do not exist here.
 */
import type { HttpResponse } from 'libprocess-ts';
import type { AgentCall } from '../protocol/json/index.js';
import type { OperatorCalls } from './view.js';

const text = (status: number, message: string): HttpResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${message}\n` });

/** `body` has been through the agent.Call schema (container_id required there); an empty id or a missing body is refused here. */
export function killContainer(agent: OperatorCalls, body: AgentCall['kill_container']): HttpResponse {
  const id = body?.container_id.value;
  if (id === undefined || id === '') return text(400, "Failed to validate agent::Call: Expecting 'kill_container.container_id.value' to be a non-empty string");
  const ex = agent.executors().find((e) => e.containerId === id && e.state !== 'TERMINATED');
  if (ex === undefined) return text(404, `Container ${id} cannot be found`);
  agent.logger.info(`operator KILL_CONTAINER ${id}: shutting down executor ${ex.id} of framework ${ex.frameworkId}`);
  agent.shutdownExecutor(ex);
  return { status: 200 };
}
