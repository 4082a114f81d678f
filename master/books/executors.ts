/**
 * Executor transitions: launched with a task (its resources held on the
 * agent), reported by a re-registering agent, exited (its resources back to
 * the allocator).
 */
import { Resources } from '../../protocol/resources.js';
import type { ExecutorInfo } from '../../protocol/types.js';
import type { Agent } from '../agent.js';
import type { Framework } from '../framework.js';
import type { Books } from './books.js';
import type { Effect } from './effects.js';

/** A new executor goes to the agent with its first task; what it uses besides the task is held from now on. */
export function launch(framework: Framework, agent: Agent, info: ExecutorInfo, resources: Resources): Effect[] {
  framework.executorsOn(agent.id).set(info.executor_id.value, info);
  agent.executorsOf(framework.id).set(info.executor_id.value, info);
  framework.addUsed(agent.id, resources);
  agent.addUsed(framework.id, resources);
  return [];
}

/** An executor a re-registering agent reports. */
export function reported(books: Books, agent: Agent, frameworkId: string, info: ExecutorInfo): Effect[] {
  agent.executorsOf(frameworkId).set(info.executor_id.value, info);
  books.frameworks.get(frameworkId)?.executorsOn(agent.id).set(info.executor_id.value, info);
  return [];
}

/** The executor's process ended: out of the books; what it held goes back to the allocator. */
export function exited(books: Books, agent: Agent, frameworkId: string, executorId: string): Effect[] {
  const executor = agent.executors.get(frameworkId)?.get(executorId);
  agent.executors.get(frameworkId)?.delete(executorId);
  const framework = books.frameworks.get(frameworkId);
  framework?.executors.get(agent.id)?.delete(executorId);
  if (executor?.resources === undefined || executor.resources.length === 0) return [];
  const r = Resources.of(executor.resources);
  agent.removeUsed(frameworkId, r);
  framework?.removeUsed(agent.id, r);
  return [{ kind: 'recover', frameworkId, agentId: agent.id, resources: executor.resources }];
}
