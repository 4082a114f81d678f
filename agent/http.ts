/**
 * The agent's HTTP endpoints (served at `/slave(1)/<path>`; startAgent also
 * aliases them at the top level): `/state` (and `/flags`) in the shape of Mesos's agent
 * state, `/monitor/statistics`, `/health`, `/metrics/snapshot` (Mesos's
 * metric names, metrics.ts) and `/metrics` (Prometheus text), and the
 * sandbox `/files/*` endpoints (files.ts). The v1 APIs are in
 * http-executor.ts (`/api/v1/executor`) and http-operator.ts (`/api/v1`).
 */
import type { HttpHandler, HttpResponse } from 'libprocess-ts';
import { PROMETHEUS_CONTENT_TYPE, prometheus } from '../protocol/json/index.js';
import { Resources } from '../protocol/resources.js';
import type { Attribute, Resource } from '../protocol/types.js';
import { attributeValueString } from '../protocol/attributes.js';
import type { AgentView } from './view.js';
import { browse, download, read } from './files.js';
import { agentMetrics } from './metrics.js';
import { AGENT_VERSION } from './registration.js';
import type { ExecutorRecord, FrameworkRecord, TaskRecord } from './state.js';
import { imageFlagTexts } from './image-flags.js';

/** Mesos's JSON model of resources: `{cpus: 2, mem: 1024, ports: "[31000-32000]"}`. */
export function resourcesMap(list: readonly Resource[] | Resources): Record<string, number | string> {
  const r = list instanceof Resources ? list : Resources.of(list);
  const out: Record<string, number | string> = {};
  for (const name of r.names()) {
    const ranges = r.ranges(name);
    const items = r.items(name);
    if (ranges.length > 0) out[name] = `[${ranges.map((x) => `${x.begin}-${x.end}`).join(', ')}]`;
    else if (items.length > 0) out[name] = `{${items.join(', ')}}`;
    else out[name] = r.scalar(name);
  }
  for (const n of ['cpus', 'mem', 'disk', 'gpus']) if (out[n] === undefined) out[n] = 0;
  return out;
}

function attributesMap(attrs: readonly Attribute[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const a of attrs) out[a.name] = a.type === 'SCALAR' ? a.scalar!.value : a.type === 'TEXT' ? a.text!.value : attributeValueString(a);
  return out;
}

function taskJSON(rec: TaskRecord): Record<string, unknown> {
  const t = rec.task;
  return {
    id: t.task_id.value,
    name: t.name,
    framework_id: t.framework_id.value,
    executor_id: t.executor_id?.value ?? '',
    slave_id: t.agent_id.value,
    state: t.state,
    resources: resourcesMap(t.resources),
    statuses: t.statuses.map((s) => ({
      state: s.state,
      timestamp: s.timestamp,
      ...(s.healthy !== undefined ? { healthy: s.healthy } : {}),
      ...(s.message !== undefined ? { message: s.message } : {}),
      ...(s.reason !== undefined ? { reason: s.reason } : {}),
    })),
    ...(t.labels ? { labels: t.labels.labels } : {}),
  };
}

function executorJSON(agent: AgentView, ex: ExecutorRecord): Record<string, unknown> {
  return {
    id: ex.id,
    name: ex.info.name ?? '',
    source: '',
    container: ex.containerId,
    directory: ex.directory,
    type: ex.command ? 'COMMAND' : ex.info.type === 'DEFAULT' ? 'DEFAULT' : 'CUSTOM',
    state: ex.state,
    resources: resourcesMap(ex.info.resources ?? []),
    tasks: [...ex.tasks.values()].filter((t) => !['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE'].includes(t.task.state)).map(taskJSON),
    queued_tasks: [...ex.queued.values()].map((info) => ({ id: info.task_id.value, name: info.name, resources: resourcesMap(info.resources ?? []) })),
    completed_tasks: [...ex.completed, ...[...ex.tasks.values()].filter((t) => ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE'].includes(t.task.state))].map(taskJSON),
    ...(ex.pid ? { pid: ex.pid.toString() } : {}),
  };
}

function frameworkJSON(agent: AgentView, fw: FrameworkRecord): Record<string, unknown> {
  return {
    id: fw.id,
    name: fw.info.name,
    user: fw.info.user,
    role: fw.info.roles?.[0] ?? fw.info.role ?? '*',
    roles: fw.info.roles ?? [fw.info.role ?? '*'],
    checkpoint: fw.info.checkpoint === true,
    hostname: fw.info.hostname ?? '',
    ...(fw.pid ? { pid: fw.pid } : {}),
    capabilities: (fw.info.capabilities ?? []).map((c) => c.type),
    executors: [...fw.executors.values()].map((e) => executorJSON(agent, e)),
    completed_executors: fw.completedExecutors.map((e) => executorJSON(agent, e)),
  };
}

/** The flags /state and /flags show (paths and switches only: no secret is a flag's value). */
function agentFlags(agent: AgentView): Record<string, string> {
  const f = agent.flags;
  return {
    master: f.master,
    ip: f.ip,
    port: String(f.port),
    hostname: f.hostname,
    work_dir: f.work_dir,
    isolation: f.isolation,
    recover: f.recover,
    ...(f.resources !== undefined ? { resources: f.resources } : {}),
    ...(f.attributes !== undefined ? { attributes: f.attributes } : {}),
    ...imageFlagTexts(f),
  };
}

export function agentState(agent: AgentView): Record<string, unknown> {
  const f = agent.flags;
  const used = [...agent.frameworks.values()].flatMap((fw) => [...fw.executors.values()].flatMap((e) => [...e.tasks.values()].flatMap((t) => t.task.resources)));
  return {
    version: AGENT_VERSION,
    id: agent.agentId ?? '',
    pid: agent.pid.toString(),
    hostname: f.hostname,
    state: agent.state,
    start_time: agent.startedAt / 1000,
    master_hostname: agent.master.host,
    master_pid: agent.master.toString(),
    resources: resourcesMap(agent.resources),
    unreserved_resources: resourcesMap(agent.resources.unreserved()),
    used_resources: resourcesMap(used.length > 0 ? Resources.of(used) : Resources.empty()),
    attributes: attributesMap(agent.attributes),
    flags: agentFlags(agent),
    frameworks: [...agent.frameworks.values()].map((fw) => frameworkJSON(agent, fw)),
    completed_frameworks: agent.completedFrameworks.map((fw) => frameworkJSON(agent, fw)),
  };
}

export async function monitorStatistics(agent: AgentView): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const ex of agent.executors()) {
    if (!ex.container || ex.state === 'TERMINATED') continue;
    try {
      const statistics = await ex.container.usage();
      const limits: Record<string, number> = {};
      if (ex.limits.cpus !== undefined) limits.cpus_limit = ex.limits.cpus;
      if (ex.limits.memMb !== undefined) limits.mem_limit_bytes = ex.limits.memMb * 1024 * 1024;
      out.push({
        executor_id: ex.id,
        executor_name: ex.info.name ?? '',
        framework_id: ex.frameworkId,
        source: '',
        container_id: ex.containerId,
        statistics: { ...limits, ...statistics },
      });
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

const json = (body: unknown, status = 200): HttpResponse => ({ status, body });

/** The web UI is served by the master (another origin) and reads /state and /files from the agents directly: any origin may read them. */
const cors = (handler: HttpHandler): HttpHandler => async (req) => {
  const res = await handler(req);
  return { ...res, headers: { ...res.headers, 'access-control-allow-origin': '*' } };
};

export function installRoutes(agent: AgentView): void {
  const w = agent.flags.work_dir;
  const ro = (handler: HttpHandler): HttpHandler => agent.httpAuth.readonly(handler);
  agent.route('/state', cors(ro(() => json(agentState(agent)))));
  agent.route('/state.json', cors(ro(() => json(agentState(agent)))));
  agent.route('/health', () => ({ status: 200, body: '' }));
  agent.route('/flags', cors(ro(() => json({ flags: agentFlags(agent) }))));
  agent.route('/metrics/snapshot', cors(ro(() => json(agentMetrics(agent)))));
  agent.route('/metrics', ro(() => ({ status: 200, headers: { 'content-type': PROMETHEUS_CONTENT_TYPE }, body: prometheus(agentMetrics(agent)) })));
  agent.route('/monitor/statistics', ro(async () => json(await monitorStatistics(agent))));
  agent.route('/monitor/statistics.json', ro(async () => json(await monitorStatistics(agent))));
  agent.route('/files/browse', cors(ro((req) => browse(w, req))));
  agent.route('/files/browse.json', cors(ro((req) => browse(w, req))));
  agent.route('/files/read', cors(ro((req) => read(w, req))));
  agent.route('/files/read.json', cors(ro((req) => read(w, req))));
  // A download cut off for a client that does not read is counted and logged inside the agent.
  const cut = agent.defer((why: string) => {
    agent.count('slave/files_downloads_cut');
    agent.logger.warn(why);
  });
  const downloads = { clock: agent.clock, onCut: cut };
  agent.route('/files/download', cors(ro((req) => download(w, req, downloads))));
  agent.route('/files/download.json', cors(ro((req) => download(w, req, downloads))));
}

/** Top-level paths startAgent aliases to the agent's routes (as Mesos serves /files and /state). */
export const TOP_LEVEL_ROUTES = ['/containers', '/logging/toggle', '/state', '/state.json', '/flags', '/health', '/metrics/snapshot', '/metrics', '/api/v1', '/api/v1/executor', '/monitor/statistics', '/monitor/statistics.json', '/files/browse', '/files/browse.json', '/files/read', '/files/read.json', '/files/download', '/files/download.json'];
