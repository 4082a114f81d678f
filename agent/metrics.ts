/**
 * The agent's metrics with Mesos's names (docs/monitoring.md, "Agent
 * metrics"): served by /metrics/snapshot as one flat JSON object, by
 * `/metrics` in Prometheus text format, and by the operator API's
 * GET_METRICS. Gauges are read from the agent's state when asked; counters
 * (`slave/tasks_finished`, `slave/valid_status_updates`, ...) are kept by
 * the agent as things happen (`AgentView.count`). Beside the `slave/`
 * ones: `containerizer/mesos/container_destroy_errors`,
 * `containerizer/mesos/containers_running` (live containers now), and the
 * sandbox garbage collection's `gc/path_removals_{pending,succeeded,failed}`.
 */
import { Resources } from '../protocol/resources.js';
import { isTerminal } from '../protocol/task-states.js';
import type { AgentView } from './view.js';

/** Terminal states counted as `slave/tasks_<state>`, always present (0 until one happens). */
const TERMINAL_COUNTERS = ['finished', 'failed', 'killed', 'lost', 'error', 'dropped', 'gone', 'gone_by_operator'];
const OTHER_COUNTERS = ['valid_status_updates', 'invalid_status_updates', 'valid_framework_messages', 'invalid_framework_messages', 'executors_terminated'];
/** Mesos's containerizer and garbage collection counters (0 until one happens). */
const MESOS_COUNTERS = ['containerizer/mesos/container_destroy_errors', 'gc/path_removals_succeeded', 'gc/path_removals_failed'];
const SCALARS = ['cpus', 'mem', 'disk', 'gpus'];

export function agentMetrics(agent: AgentView): Record<string, number> {
  const m: Record<string, number> = {};
  m['slave/uptime_secs'] = Math.max(0, agent.clock.now() - agent.startedAt) / 1000;
  m['slave/registered'] = agent.state === 'RUNNING' ? 1 : 0;
  m['slave/frameworks_active'] = agent.frameworks.size;

  const tasks: Record<string, number> = { staging: 0, starting: 0, running: 0, killing: 0, unreachable: 0 };
  const executors = { registering: 0, running: 0, terminating: 0 };
  let used = Resources.empty();
  for (const ex of agent.executors()) {
    if (ex.state === 'REGISTERING') executors.registering++;
    else if (ex.state === 'RUNNING') executors.running++;
    else if (ex.state === 'TERMINATING') executors.terminating++;
    // A command task's executor info repeats the task's resources: counted once, with the task.
    if (ex.state !== 'TERMINATED' && !ex.command) used = used.add(Resources.of(ex.info.resources ?? []));
    tasks['staging']! += ex.queued.size;
    for (const info of ex.queued.values()) used = used.add(Resources.of(info.resources ?? []));
    for (const rec of ex.tasks.values()) {
      if (isTerminal(rec.task.state)) continue;
      const key = rec.task.state.replace(/^TASK_/, '').toLowerCase();
      if (key in tasks) tasks[key]!++;
      used = used.add(Resources.of(rec.task.resources));
    }
  }
  for (const [state, n] of Object.entries(tasks)) m[`slave/tasks_${state}`] = n;
  for (const state of TERMINAL_COUNTERS) m[`slave/tasks_${state}`] = agent.counters.get(`slave/tasks_${state}`) ?? 0;
  m['slave/executors_registering'] = executors.registering;
  m['slave/executors_running'] = executors.running;
  m['slave/executors_terminating'] = executors.terminating;
  for (const name of OTHER_COUNTERS) m[`slave/${name}`] = agent.counters.get(`slave/${name}`) ?? 0;

  for (const name of SCALARS) {
    const total = agent.resources.scalar(name);
    const u = used.scalar(name);
    m[`slave/${name}_total`] = total;
    m[`slave/${name}_used`] = u;
    m[`slave/${name}_percent`] = total > 0 ? u / total : 0;
  }
  for (const name of MESOS_COUNTERS) m[name] = agent.counters.get(name) ?? 0;
  Object.assign(m, agent.fetcher.metrics());
  m['gc/path_removals_pending'] = agent.gcPending;
  m['containerizer/mesos/containers_running'] = executors.registering + executors.running + executors.terminating;
  for (const [name, value] of agent.counters) if (m[name] === undefined) m[name] = value;
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
}
