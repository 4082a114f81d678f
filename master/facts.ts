/**
 * The one view over the master's books that every HTTP rendering derives
 * from: /master/state and the routes built on it (state.ts), the operator
 * API's GET_STATE, GET_AGENTS, GET_FRAMEWORKS, GET_TASKS, GET_EXECUTORS,
 * GET_ROLES and the SUBSCRIBE snapshot and events (operator-state.ts). One
 * function per entity says what is true of it (times in ms, resources as
 * Resources, records as the protocol's messages); the encoders only spell
 * those facts in their format, so the two renderings cannot drift.
 *
 *   MasterView (books, read-only) ─► agentFacts, frameworkFacts, roleFacts, stateFacts
 *                                      ├─► state.ts          (classic JSON)
 *                                      └─► operator-state.ts (v1 master.proto JSON)
 *
 * What a viewer (--acls view_*) may not see is left out here, once.
 */
import { Resources } from '../protocol/resources.js';
import type { DrainInfo, MachineID, Unavailability } from '../protocol/maintenance.js';
import type { ExecutorInfo, FrameworkInfo, Offer, Task } from '../protocol/types.js';
import type { Agent } from './agent.js';
import type { Framework } from './framework.js';
import { SEE_ALL, type Viewer } from './http-auth.js';
import { agentIp } from './maintenance.js';
import { offerMessage } from './offering.js';
import type { RegisteredAgent } from './registrar/registry.js';
import type { MasterView } from './view.js';

export interface AgentFacts {
  readonly id: string;
  readonly agent: Agent;
  readonly port: number;
  /** Deactivated by the operator, or draining (a broken connection is `agent.active` false alone). */
  readonly deactivated: boolean;
  readonly drain: DrainInfo | undefined;
  /** Its machine in the maintenance schedule: DRAINING, or DOWN. */
  readonly maintenance: { readonly mode: 'DRAINING' | 'DOWN'; readonly machine: MachineID; readonly unavailability: Unavailability } | undefined;
  readonly total: Resources;
  readonly used: Resources;
  readonly offered: Resources;
}

export interface ExecutorFacts {
  readonly info: ExecutorInfo;
  readonly frameworkId: string;
  readonly agentId: string;
}

export interface OfferFacts {
  readonly offer: Offer;
  readonly role: string;
  readonly resources: Resources;
}

export interface FrameworkFacts {
  readonly id: string;
  /** Its FrameworkInfo with its id set. */
  readonly info: FrameworkInfo;
  readonly framework: Framework;
  /** Known from the registry; its scheduler has not resubscribed to this leader yet. */
  readonly recovered: boolean;
  readonly used: Resources;
  readonly offered: Resources;
  readonly offers: readonly OfferFacts[];
  readonly tasks: readonly Task[];
  readonly unreachableTasks: readonly Task[];
  readonly completedTasks: readonly Task[];
  readonly executors: readonly ExecutorFacts[];
}

export interface RoleFacts {
  readonly name: string;
  readonly weight: number;
  readonly frameworks: readonly string[];
  /** What its frameworks' tasks and executors use (allocation stripped). */
  readonly allocated: Resources;
  readonly quota: { readonly guarantees: Record<string, number>; readonly limits: Record<string, number> } | undefined;
}

export interface StateFacts {
  readonly agents: readonly AgentFacts[];
  /** Known from the registry, not re-registered with this leader yet. */
  readonly recoveredAgents: readonly RegisteredAgent[];
  readonly unreachableAgents: readonly { readonly id: string; readonly hostname: string; readonly at: number }[];
  readonly frameworks: readonly FrameworkFacts[];
  readonly completedFrameworks: readonly FrameworkFacts[];
  /** Tasks and executors agents run for frameworks the books do not know. */
  readonly orphanTasks: readonly Task[];
  readonly orphanExecutors: readonly ExecutorFacts[];
  /** The ids of those frameworks. */
  readonly unregisteredFrameworks: readonly string[];
}

const sum = (list: readonly { readonly resources: Resources }[]): Resources => list.reduce((s, o) => s.add(o.resources), Resources.empty());

export function agentFacts(m: MasterView, a: Agent): AgentFacts {
  const books = m.state.maintenance;
  const machine = books.scheduled(a.hostname, agentIp(a.pid));
  return {
    id: a.id,
    agent: a,
    port: Number(a.pid.slice(a.pid.lastIndexOf(':') + 1)),
    deactivated: books.blocked(a.id),
    drain: books.drains.get(a.id),
    maintenance: machine === undefined ? undefined : { mode: books.down.has(machine.key) ? 'DOWN' : 'DRAINING', machine: machine.id, unavailability: machine.unavailability },
    total: a.total,
    used: a.totalUsed(),
    offered: sum(m.state.offers.ofAgent(a.id)),
  };
}

function offerFacts(m: MasterView, f: Framework): OfferFacts[] {
  return m.state.offers.ofFramework(f.id).flatMap((o) => {
    const agent = m.state.agents.get(o.agentId);
    if (agent === undefined) return [];
    const unavailability = m.state.maintenance.draining(agent.hostname, agentIp(agent.pid))?.unavailability;
    return [{ offer: offerMessage(o, agent, f, unavailability), role: o.role, resources: o.resources }];
  });
}

/** One framework as `viewer` may see it: tasks and executors it may not see are left out. */
export function frameworkFacts(m: MasterView, f: Framework, viewer: Viewer = SEE_ALL): FrameworkFacts {
  const seen = (t: Task): boolean => viewer.task(t, f.info);
  const offers = offerFacts(m, f);
  const executors: ExecutorFacts[] = [];
  for (const [agentId, byId] of f.executors) for (const info of byId.values()) if (viewer.executor(info, f.info)) executors.push({ info, frameworkId: f.id, agentId });
  return {
    id: f.id,
    info: { ...f.info, id: { value: f.id } },
    framework: f,
    recovered: m.isRecovered(f.id),
    used: f.totalUsed(),
    offered: sum(offers),
    offers,
    tasks: [...f.tasks.values()].filter(seen),
    unreachableTasks: [...f.unreachableTasks.values()].filter(seen),
    completedTasks: f.completedTasks.items().filter(seen),
    executors,
  };
}

/** Every role with a weight, a quota or a framework, as `viewer` may see them, by name. */
export function roleFacts(m: MasterView, viewer: Viewer = SEE_ALL): RoleFacts[] {
  const roles = new Map<string, { frameworks: string[]; allocated: Resources }>();
  const role = (name: string): { frameworks: string[]; allocated: Resources } => {
    let r = roles.get(name);
    if (r === undefined) roles.set(name, (r = { frameworks: [], allocated: Resources.empty() }));
    return r;
  };
  for (const name of m.state.weights.keys()) role(name);
  for (const name of m.state.quotas.keys()) role(name);
  for (const f of m.state.frameworks.values()) for (const name of f.roles) role(name).frameworks.push(f.id);
  // What each role is allocated: the books' index (books/usage.ts), not a sum over every framework's agents.
  for (const [name, allocated] of m.state.usage.roles()) role(name).allocated = allocated;
  return [...roles.entries()]
    .filter(([name]) => viewer.role(name))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, r]) => ({ name, weight: m.state.weights.get(name) ?? 1, frameworks: r.frameworks, allocated: r.allocated.unallocate(), quota: m.state.quotas.get(name) }));
}

/** The whole books as `viewer` may see them. */
export function stateFacts(m: MasterView, viewer: Viewer = SEE_ALL): StateFacts {
  const s = m.state;
  const orphanTasks: Task[] = [];
  const orphanExecutors: ExecutorFacts[] = [];
  const unregistered = new Set<string>();
  // A viewer that is not everyone sees no orphans: there is no framework user to check them against.
  const orphansSeen = viewer === SEE_ALL;
  for (const a of s.agents.values()) {
    for (const [frameworkId, tasks] of a.tasks) {
      if (s.frameworks.has(frameworkId) || tasks.size === 0) continue;
      unregistered.add(frameworkId);
      if (orphansSeen) orphanTasks.push(...tasks.values());
    }
    for (const [frameworkId, executors] of a.executors) {
      if (s.frameworks.has(frameworkId) || executors.size === 0) continue;
      unregistered.add(frameworkId);
      if (orphansSeen) for (const info of executors.values()) orphanExecutors.push({ info, frameworkId, agentId: a.id });
    }
  }
  const seen = (f: Framework): boolean => viewer.framework(f.info);
  return {
    agents: [...s.agents.values()].map((a) => agentFacts(m, a)),
    recoveredAgents: m.recoveredAgents(),
    unreachableAgents: [...s.unreachableAgents].map(([id, u]) => ({ id, hostname: u.agent.hostname, at: u.at })),
    frameworks: [...s.frameworks.values()].filter(seen).map((f) => frameworkFacts(m, f, viewer)),
    completedFrameworks: s.completedFrameworks.items().filter(seen).map((f) => frameworkFacts(m, f, viewer)),
    orphanTasks,
    orphanExecutors,
    unregisteredFrameworks: orphansSeen ? [...unregistered] : [],
  };
}
