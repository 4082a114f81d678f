/**
 * The operator API's queries of the books (GET_STATE, GET_AGENTS,
 * GET_FRAMEWORKS, GET_TASKS, GET_EXECUTORS, GET_ROLES) and the agents and
 * frameworks its SUBSCRIBE events carry: facts.ts's view spelled as
 * master.proto's JSON (state.ts spells the same facts as /master/state).
 */
import { encode } from '../protocol/json/index.js';
import type { Resources } from '../protocol/resources.js';
import type { Task } from '../protocol/types.js';
import type { Agent } from './agent.js';
import { agentFacts, frameworkFacts, roleFacts, stateFacts, type AgentFacts, type ExecutorFacts, type FrameworkFacts, type StateFacts } from './facts.js';
import type { Framework } from './framework.js';
import { SEE_ALL, type Viewer } from './http-auth.js';
import type { MasterView } from './view.js';

type Json = Record<string, unknown>;

const time = (ms: number): Json => ({ nanoseconds: Math.round(ms * 1e6) });
const resources = (r: Resources): Json[] => r.toJSON().map((x) => encode('Resource', x));
const task = (t: Task): Json => encode('Task', t);
const executor = (e: ExecutorFacts): Json => ({ executor_info: encode('ExecutorInfo', e.info), agent_id: { value: e.agentId } });

function frameworkJson(f: FrameworkFacts): Json {
  const fw = f.framework;
  return {
    framework_info: encode('FrameworkInfo', f.info),
    active: fw.active,
    connected: fw.connected,
    recovered: f.recovered,
    registered_time: time(fw.registeredAt),
    ...(fw.reregisteredAt !== undefined ? { reregistered_time: time(fw.reregisteredAt) } : {}),
    ...(fw.removedAt !== undefined ? { unregistered_time: time(fw.removedAt) } : {}),
    offers: f.offers.map((o) => encode('Offer', o.offer)),
    allocated_resources: resources(f.used),
    offered_resources: resources(f.offered),
  };
}

function agentJson(f: AgentFacts): Json {
  const a = f.agent;
  return {
    agent_info: encode('AgentInfo', { ...a.info, id: { value: a.id } }),
    active: a.active,
    deactivated: f.deactivated,
    ...(f.drain !== undefined ? { drain_info: encode('DrainInfo', f.drain) } : {}),
    version: a.version,
    pid: a.pid,
    registered_time: time(a.registeredAt),
    ...(a.reregisteredAt !== undefined ? { reregistered_time: time(a.reregisteredAt) } : {}),
    total_resources: resources(f.total),
    allocated_resources: resources(f.used),
    offered_resources: resources(f.offered),
  };
}

/** An agent as AGENT_ADDED carries it. */
export function agentEventJson(m: MasterView, a: Agent): Json {
  return agentJson(agentFacts(m, a));
}

/** A framework as FRAMEWORK_ADDED / FRAMEWORK_UPDATED carry it. */
export function frameworkEventJson(m: MasterView, f: Framework): Json {
  return frameworkJson(frameworkFacts(m, f));
}

function tasksOf(s: StateFacts): Json {
  const all = [...s.frameworks, ...s.completedFrameworks];
  return {
    tasks: all.flatMap((f) => f.tasks.map(task)),
    unreachable_tasks: all.flatMap((f) => f.unreachableTasks.map(task)),
    completed_tasks: all.flatMap((f) => f.completedTasks.map(task)),
    orphan_tasks: s.orphanTasks.map(task),
  };
}

function executorsOf(s: StateFacts): Json {
  return { executors: [...s.frameworks, ...s.completedFrameworks].flatMap((f) => f.executors.map(executor)), orphan_executors: s.orphanExecutors.map(executor) };
}

function frameworksOf(s: StateFacts): Json {
  return { frameworks: s.frameworks.map(frameworkJson), completed_frameworks: s.completedFrameworks.map(frameworkJson) };
}

function agentsOf(s: Pick<StateFacts, 'agents' | 'recoveredAgents'>): Json {
  return { agents: s.agents.map(agentJson), recovered_agents: s.recoveredAgents.map((a) => encode('AgentInfo', { ...a.info, id: { value: a.id } })) };
}

/** GET_STATE; `viewer` (--acls view_* rules) decides which frameworks, tasks and executors are shown. */
export function getState(m: MasterView, viewer: Viewer = SEE_ALL): Json {
  const s = stateFacts(m, viewer);
  return { get_tasks: tasksOf(s), get_executors: executorsOf(s), get_frameworks: frameworksOf(s), get_agents: agentsOf(s) };
}

export const getTasks = (m: MasterView, viewer: Viewer): Json => tasksOf(stateFacts(m, viewer));
export const getExecutors = (m: MasterView, viewer: Viewer): Json => executorsOf(stateFacts(m, viewer));
export const getFrameworks = (m: MasterView, viewer: Viewer): Json => frameworksOf(stateFacts(m, viewer));
export const getAgents = (m: MasterView): Json => agentsOf({ agents: [...m.state.agents.values()].map((a) => agentFacts(m, a)), recoveredAgents: m.recoveredAgents() });

export function getRoles(m: MasterView, viewer: Viewer): Json {
  return { roles: roleFacts(m, viewer).map((r) => ({ name: r.name, weight: r.weight, frameworks: r.frameworks.map((value) => ({ value })), resources: resources(r.allocated) })) };
}
