/**
 * `mesos-ts task kill <id>`: kills a task from outside its framework. The
 * leading master's state names the task's framework and agent; the agent's
 * state names the container of the task's executor; KILL_CONTAINER (the
 * agent's v1 operator API) shuts that executor down: a command task ends
 * TASK_KILLED, reported to its framework as any kill. A task of a group (the
 * default executor) has a nested container of its own, named in its status:
 * that one is killed, the task ends TASK_KILLED and the executor kills the
 * rest of its group, as Mesos's default executor does; other groups run on. Then the master's state
 * is asked until the task is terminal (--timeout).
 */
import { Command, Option } from 'commander';
import { realClock } from 'libprocess-ts';
import { isTerminal } from '../../protocol/task-states.js';
import type { TaskState } from '../../protocol/types.js';
import { authFetch } from '../credentials.js';
import { parseDuration } from '../durations.js';
import { withClusterOptions, type ClusterOptions } from '../cluster-options.js';
import { operatorCall } from '../operator-call.js';
import { say } from '../process-util.js';
import { fetchState } from './query.js';

type ContainerID = { value: string; parent?: ContainerID };
type AgentTask = { id: string; statuses?: { container_status?: { container_id?: ContainerID } }[] };
type AgentState = { frameworks?: { id: string; executors?: { id: string; type?: string; container?: string; tasks?: AgentTask[]; queued_tasks?: { id: string }[] }[] }[] };

/** The task's framework, state and agent address as the leading master knows them, or an error that says what is wrong. */
async function findTask(o: ClusterOptions, taskId: string, frameworkId: string | undefined): Promise<{ framework: string; state: string; agent: string }> {
  const { state } = await fetchState(o.master, o.mdns_name);
  const live = state.frameworks.flatMap((f) => [...f.tasks, ...(f.unreachable_tasks ?? [])]).filter((t) => t.id === taskId && (frameworkId === undefined || t.framework_id === frameworkId));
  if (live.length === 0) {
    const done = [...state.frameworks, ...state.completed_frameworks].flatMap((f) => f.completed_tasks).find((t) => t.id === taskId && (frameworkId === undefined || t.framework_id === frameworkId));
    if (done !== undefined) throw new Error(`task ${taskId} has already ended: ${done.state}`);
    throw new Error(`no task ${taskId} is known to the master${frameworkId !== undefined ? ` in framework ${frameworkId}` : ''} (see: mesos-ts tasks --all)`);
  }
  if (live.length > 1) throw new Error(`task id ${taskId} is used by several frameworks (${live.map((t) => t.framework_id).join(', ')}): name one with --framework`);
  const task = live[0]!;
  const agent = state.slaves.find((s) => s.id === task.slave_id);
  if (agent === undefined) throw new Error(`task ${taskId} runs on agent ${task.slave_id}, which is not registered (it may be unreachable)`);
  return { framework: task.framework_id, state: task.state, agent: agent.pid.slice(agent.pid.indexOf('@') + 1) };
}

export function taskCommand(): Command {
  const kill = withClusterOptions(new Command('kill'))
    .description("kill a running task: its container is killed on its agent (a command task ends TASK_KILLED; a group task's own nested container, its group ending with it; a custom executor's whole container, its other tasks ending with it)")
    .argument('<id>', 'the task id (see: mesos-ts tasks)')
    .option('--framework <id>', 'the framework of the task, when several use the id')
    .addOption(new Option('--timeout <duration>', 'how long to wait for the task to end').default('30secs'))
    .addHelpText('after', '\nExamples:\n  $ mesos-ts task kill sleeper\n  $ mesos-ts task kill web-3 --framework=3d4a5b6c-...-0001 --master=127.0.0.1:5050')
    .action(async (taskId: string, o: ClusterOptions & { framework?: string; timeout: string }) => {
      const timeoutMs = parseDuration('timeout', o.timeout);
      const task = await findTask(o, taskId, o.framework);
      const res = await authFetch(`http://${task.agent}/state`, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`the agent at ${task.agent} answered its /state with HTTP ${res.status}`);
      const agentState = (await res.json()) as AgentState;
      const executor = (agentState.frameworks ?? [])
        .filter((f) => f.id === task.framework)
        .flatMap((f) => f.executors ?? [])
        .find((e) => [...(e.tasks ?? []), ...(e.queued_tasks ?? [])].some((t) => t.id === taskId));
      if (executor?.container === undefined) throw new Error(`the agent at ${task.agent} runs no executor for task ${taskId} (it may have just ended: mesos-ts tasks --all)`);
      // A task of a group runs in a nested container of its own under the default executor: that one is killed, and the
      // executor takes the task's group down with it (as Mesos's default executor does), not its other groups.
      const own = executor.type === 'DEFAULT' ? executor.tasks?.find((t) => t.id === taskId)?.statuses?.findLast((s) => s.container_status?.container_id !== undefined)?.container_status?.container_id : undefined;
      if (executor.type === 'DEFAULT' && own === undefined) throw new Error(`task ${taskId} has no container of its own yet on ${task.agent} (it is still launching): try again`);
      const container = own ?? { value: executor.container };
      await operatorCall(task.agent, { type: 'KILL_CONTAINER', kill_container: { container_id: container } });
      say(`killing task ${taskId} (container ${container.value}${container.parent !== undefined ? ` under ${container.parent.value}` : ''} on ${task.agent})`);
      const deadline = realClock.now() + timeoutMs;
      for (;;) {
        const { state } = await fetchState(o.master, o.mdns_name);
        const now = [...state.frameworks, ...state.completed_frameworks]
          .flatMap((f) => [...f.tasks, ...f.completed_tasks])
          .find((t) => t.id === taskId && t.framework_id === task.framework);
        if (now !== undefined && isTerminal(now.state as TaskState)) return say(`task ${taskId} is in state ${now.state}`);
        if (realClock.now() >= deadline) throw new Error(`task ${taskId} is still ${now?.state ?? 'unknown'} after ${o.timeout}`);
        await new Promise<void>((resolve) => realClock.timer(250, resolve));
      }
    });
  return new Command('task').description('act on one task: kill').addCommand(kill);
}
