/**
 * The environment an executor (or a command task, which the agent executes
 * itself) is launched with, as Mesos's executorEnvironment
 * (src/slave/containerizer/containerizer.cpp). The containerizer adds
 * MESOS_SANDBOX, MESOS_DIRECTORY, MESOS_CONTAINER_ID, MESOS_AGENT_ID,
 * MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID and MESOS_TASK_ID itself.
 */
import type { AgentCore } from './core.js';
import { checkpointing, type ExecutorRecord, type FrameworkRecord } from './state.js';
import { formatDuration, type AgentFlags } from './flags.js';

/** What the environment is made of: who the agent is, where it listens, its flags and executor tokens. */
export type ExecutorEnvHost = Pick<AgentCore, 'pid' | 'flags' | 'agentId' | 'executorTokens' | 'endpoint'>;

export function executorEnvironment(agent: ExecutorEnvHost, fw: FrameworkRecord, ex: ExecutorRecord): Record<string, string> {
  const pid = agent.pid.toString();
  const env: Record<string, string> = {
    MESOS_AGENT_ENDPOINT: agent.endpoint(),
    MESOS_SLAVE_PID: pid,
    MESOS_AGENT_PID: pid,
    MESOS_FRAMEWORK_ID: fw.id,
    MESOS_EXECUTOR_ID: ex.id,
    MESOS_DIRECTORY: ex.directory,
    MESOS_SANDBOX: ex.directory,
    MESOS_CHECKPOINT: checkpointing(fw) ? '1' : '0',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: shutdownGraceText(agent.flags, ex),
    MESOS_HTTP_COMMAND_EXECUTOR: '0',
  };
  if (checkpointing(fw)) env.MESOS_RECOVERY_TIMEOUT = formatDuration(agent.flags.recovery_timeout);
  if (agent.agentId !== undefined) env.MESOS_AGENT_ID = agent.agentId;
  // A custom executor proves who it is with this token (the agent plays the command executor itself: no token to leak to a task).
  if (!ex.command) env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN = agent.executorTokens.issue({ fid: fw.id, eid: ex.id, cid: ex.containerId });
  return env;
}

/** The shutdown grace period text executors get (MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD): the executor's own, else --executor_shutdown_grace_period. */
export function shutdownGraceText(flags: AgentFlags, ex: ExecutorRecord): string {
  return formatDuration(ex.info.shutdown_grace_period ? Math.round(ex.info.shutdown_grace_period.nanoseconds / 1e6) : flags.executor_shutdown_grace_period);
}
