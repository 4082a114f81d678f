/**
 * Maintenance and draining transitions: an agent deactivated, drained (its
 * tasks killed, then DRAINED once none runs) or reactivated; the schedule
 * replaced; machines DOWN and UP; inverse offers made, answered, withdrawn.
 * Pure: records in, effects out; what the registry keeps follows from them
 * (`agent_maintenance` for an agent, `maintenance` for the schedule).
 *
 *   UP ──schedule──► DRAINING ──down──► DOWN ──up──► UP (out of the schedule)
 *   agent: active ──deactivate──► DEACTIVATED ─┐
 *          active ──drain──► DRAINING ──no task left──► DRAINED (mark_gone: gone)
 *          any of them ──reactivate──► active ◄┘
 */
import { describeMachine, machineKey, type DrainConfig, type InverseOffer, type MachineID, type MaintenanceWindow } from '../../protocol/maintenance.js';
import { isTerminal } from '../../protocol/task-states.js';
import type { KillPolicy } from '../../protocol/types.js';
import type { Agent } from '../agent.js';
import { agentIp } from '../maintenance.js';
import type { AgentMaintenance } from '../registrar/registry.js';
import type { Books } from './books.js';
import type { Effect } from './effects.js';

function persisted(books: Books, agentId: string): Effect {
  const drain = books.maintenance.drains.get(agentId);
  const state: AgentMaintenance = { deactivated: books.maintenance.deactivated.has(agentId), ...(drain !== undefined ? { drain: { state: drain.state, config: { ...drain.config } } } : {}) };
  return { kind: 'registry', op: { op: 'agent_maintenance', id: agentId, state } };
}

/** The agent's resources stop being offered (it is in the books, and was offered until now). */
function stopOffers(books: Books, agentId: string, effects: Effect[]): void {
  const agent = books.agents.get(agentId);
  if (agent === undefined || !agent.active) return;
  agent.active = false;
  effects.push({ kind: 'allocator', call: { name: 'deactivateAgent', args: [agentId] } });
}

/** DEACTIVATE_AGENT: no more offers of its resources; its tasks run on. */
export function deactivate(books: Books, agentId: string): Effect[] {
  if (books.maintenance.deactivated.has(agentId)) return [];
  books.maintenance.deactivated.add(agentId);
  const effects: Effect[] = [];
  stopOffers(books, agentId, effects);
  effects.push(persisted(books, agentId), { kind: 'count', name: 'master/agents_deactivated' });
  return effects;
}

/** REACTIVATE_AGENT: deactivated, draining or drained, it is offered again (once connected). */
export function reactivate(books: Books, agentId: string): Effect[] {
  const m = books.maintenance;
  if (!m.blocked(agentId)) return [];
  m.deactivated.delete(agentId);
  m.drains.delete(agentId);
  const effects: Effect[] = [persisted(books, agentId)];
  const agent = books.agents.get(agentId);
  if (agent !== undefined && agent.connected && !agent.active) {
    agent.active = true;
    effects.push({ kind: 'allocator', call: { name: 'activateAgent', args: [agentId] } });
  }
  return effects;
}

/** The kill policy a drained task gets: its own grace period, at most the drain's `max_grace_period`. */
export function drainKillPolicy(task: { kill_policy?: KillPolicy }, config: DrainConfig): KillPolicy | undefined {
  const own = task.kill_policy?.grace_period?.nanoseconds;
  const max = config.max_grace_period?.nanoseconds;
  if (max === undefined) return task.kill_policy;
  return { grace_period: { nanoseconds: own === undefined ? max : Math.min(own, max) } };
}

/**
 * DRAIN_AGENT: the agent is deactivated and DRAINING; every task not yet
 * terminal is killed on it, its kill policy honoured up to the drain's
 * `max_grace_period`. DRAINED at once when nothing runs (see `drained`).
 */
export function drain(books: Books, agent: Agent, config: DrainConfig): { effects: Effect[]; markGone: boolean } {
  const m = books.maintenance;
  m.deactivated.add(agent.id);
  m.drains.set(agent.id, { state: 'DRAINING', config: { ...config } });
  const effects: Effect[] = [];
  stopOffers(books, agent.id, effects);
  effects.push(persisted(books, agent.id), { kind: 'count', name: 'master/agents_drained_started' });
  effects.push(...kills(agent, config));
  const done = drained(books, agent);
  return { effects: [...effects, ...done.effects], markGone: done.markGone };
}

function kills(agent: Agent, config: DrainConfig): Effect[] {
  const effects: Effect[] = [];
  for (const [frameworkId, tasks] of agent.tasks) {
    for (const task of tasks.values()) {
      if (isTerminal(task.state)) continue;
      const killPolicy = drainKillPolicy(task, config);
      effects.push({ kind: 'kill', agent, frameworkId, taskId: task.task_id.value, ...(killPolicy !== undefined ? { killPolicy } : {}) });
    }
  }
  return effects;
}

/**
 * A DRAINING agent re-registered (its connection broke, or the master failed
 * over): the tasks it still runs are killed again (a kill sent before may
 * have been lost with the connection), or it is DRAINED now.
 */
export function reregistered(books: Books, agent: Agent): { effects: Effect[]; markGone: boolean } {
  const d = books.maintenance.drains.get(agent.id);
  if (d === undefined || d.state !== 'DRAINING') return { effects: [], markGone: false };
  const done = drained(books, agent);
  return done.effects.length > 0 ? done : { effects: kills(agent, d.config), markGone: false };
}

/** A DRAINING agent none of whose tasks still runs is DRAINED; `markGone`: the caller removes it for good. */
export function drained(books: Books, agent: Agent): { effects: Effect[]; markGone: boolean } {
  const d = books.maintenance.drains.get(agent.id);
  if (d === undefined || d.state !== 'DRAINING') return { effects: [], markGone: false };
  for (const tasks of agent.tasks.values()) for (const t of tasks.values()) if (!isTerminal(t.state)) return { effects: [], markGone: false };
  books.maintenance.drains.set(agent.id, { state: 'DRAINED', config: d.config });
  return { effects: [persisted(books, agent.id), { kind: 'count', name: 'master/agents_drained' }], markGone: d.config.mark_gone };
}

/** Every outstanding inverse offer matching `which` leaves the books; connected schedulers hear it rescinded. */
function rescindInverse(books: Books, which: (o: { frameworkId: string; agentId: string }) => boolean): Effect[] {
  const effects: Effect[] = [];
  for (const o of [...books.maintenance.inverseOffers.values()]) {
    if (!which(o)) continue;
    books.maintenance.removeInverseOffer(o.id);
    const framework = books.frameworks.get(o.frameworkId);
    if (framework?.connected) effects.push({ kind: 'inverse_rescind', framework, inverseOfferId: o.id });
  }
  return effects;
}

function persistSchedule(books: Books): Effect {
  return { kind: 'registry', op: { op: 'maintenance', maintenance: { windows: books.maintenance.windows, down: [...books.maintenance.down.values()] } } };
}

const inSchedule = (windows: readonly MaintenanceWindow[]): Set<string> => new Set(windows.flatMap((w) => w.machine_ids.map(machineKey)));

/**
 * UPDATE_MAINTENANCE_SCHEDULE: the schedule is replaced (machines in it and
 * not down are DRAINING; machines left out are UP). Every machine that is
 * DOWN must stay in it. Outstanding inverse offers are withdrawn (those still
 * due are made again with the new unavailability); answers of machines no
 * longer scheduled are forgotten.
 */
export function schedule(books: Books, windows: MaintenanceWindow[]): { effects: Effect[] } | { error: string } {
  const m = books.maintenance;
  const keys = inSchedule(windows);
  for (const [key, machine] of m.down) {
    if (!keys.has(key)) return { error: `machine ${describeMachine(machine)} is down: it must stay in the schedule (bring it up first)` };
  }
  m.windows = windows;
  for (const key of [...m.statuses.keys()]) if (!keys.has(key)) m.statuses.delete(key);
  m.inverseFilters.clear();
  return { effects: [...rescindInverse(books, () => true), persistSchedule(books), { kind: 'count', name: 'master/maintenance_schedule_updates' }] };
}

/** START_MAINTENANCE: scheduled machines go DOWN (the caller removes their agents; they are refused until UP). */
export function down(books: Books, machines: readonly MachineID[]): { effects: Effect[] } | { error: string } {
  const m = books.maintenance;
  const keys = inSchedule(m.windows);
  for (const machine of machines) if (!keys.has(machineKey(machine))) return { error: `machine ${describeMachine(machine)} is not in the maintenance schedule` };
  for (const machine of machines) {
    m.down.set(machineKey(machine), machine);
    m.statuses.delete(machineKey(machine));
  }
  return { effects: [persistSchedule(books)] };
}

/** STOP_MAINTENANCE: DOWN machines are UP and leave the schedule (windows left empty go too). */
export function up(books: Books, machines: readonly MachineID[]): { effects: Effect[] } | { error: string } {
  const m = books.maintenance;
  for (const machine of machines) if (!m.down.has(machineKey(machine))) return { error: `machine ${describeMachine(machine)} is not down` };
  const leaving = new Set(machines.map(machineKey));
  for (const key of leaving) m.down.delete(key);
  m.windows = m.windows.map((w) => ({ ...w, machine_ids: w.machine_ids.filter((id) => !leaving.has(machineKey(id))) })).filter((w) => w.machine_ids.length > 0);
  return { effects: [persistSchedule(books)] };
}

/**
 * Inverse offers due: for every agent on a DRAINING machine, each connected
 * framework that uses resources there and has no inverse offer outstanding
 * for it (and no filter from its last answer) gets one. `newId` names them.
 */
export function inverseOffersDue(books: Books, nowMs: number, newId: () => string): Effect[] {
  const m = books.maintenance;
  if (m.windows.length === 0) return [];
  const effects: Effect[] = [];
  for (const agent of books.agents.values()) {
    const machine = m.draining(agent.hostname, agentIp(agent.pid));
    if (machine === undefined) continue;
    for (const frameworkId of agent.used.keys()) {
      const framework = books.frameworks.get(frameworkId);
      if (framework === undefined || !framework.connected) continue;
      if (m.inverseOfferOf(frameworkId, agent.id) !== undefined) continue;
      const until = m.inverseFilters.get(`${frameworkId}/${agent.id}`);
      if (until !== undefined && until > nowMs) continue;
      m.inverseFilters.delete(`${frameworkId}/${agent.id}`);
      const id = newId();
      m.addInverseOffer({ id, frameworkId, agentId: agent.id, machine: machine.key, unavailability: machine.unavailability });
      let statuses = m.statuses.get(machine.key);
      if (statuses === undefined) m.statuses.set(machine.key, (statuses = new Map()));
      if (!statuses.has(frameworkId)) statuses.set(frameworkId, { status: 'UNKNOWN', framework_id: { value: frameworkId }, timestamp: { nanoseconds: nowMs * 1e6 } });
      const offer: InverseOffer = { id: { value: id }, framework_id: { value: frameworkId }, agent_id: { value: agent.id }, unavailability: machine.unavailability, resources: [] };
      effects.push({ kind: 'inverse_offer', framework, offer }, { kind: 'count', name: 'master/inverse_offers_sent' });
    }
  }
  return effects;
}

/**
 * ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS: the framework's answer for
 * each machine is kept (GET_MAINTENANCE_STATUS shows it); the inverse offer
 * leaves the books; none is made again for that agent before `refuseSeconds`.
 * Ids that are not the framework's outstanding inverse offers are ignored.
 */
export function answered(books: Books, frameworkId: string, ids: readonly string[], accept: boolean, refuseSeconds: number, nowMs: number): Effect[] {
  const m = books.maintenance;
  const effects: Effect[] = [];
  for (const id of ids) {
    const o = m.inverseOffers.get(id);
    if (o === undefined || o.frameworkId !== frameworkId) continue;
    m.removeInverseOffer(id);
    m.inverseFilters.set(`${frameworkId}/${o.agentId}`, nowMs + refuseSeconds * 1000);
    let statuses = m.statuses.get(o.machine);
    if (statuses === undefined) m.statuses.set(o.machine, (statuses = new Map()));
    statuses.set(frameworkId, { status: accept ? 'ACCEPT' : 'DECLINE', framework_id: { value: frameworkId }, timestamp: { nanoseconds: nowMs * 1e6 } });
    effects.push({ kind: 'count', name: accept ? 'master/inverse_offers_accepted' : 'master/inverse_offers_declined' });
  }
  return effects;
}

/** The agent left the books (unreachable or gone): its inverse offers are withdrawn; gone, its drain and deactivation are forgotten. */
export function agentLeft(books: Books, agentId: string, gone: boolean): Effect[] {
  const effects = rescindInverse(books, (o) => o.agentId === agentId);
  if (gone) {
    books.maintenance.drains.delete(agentId);
    books.maintenance.deactivated.delete(agentId);
  }
  return effects;
}

/** The framework disconnected or was removed: its inverse offers and filters are dropped (its scheduler is not told). */
export function frameworkLeft(books: Books, frameworkId: string): Effect[] {
  const m = books.maintenance;
  for (const o of [...m.inverseOffers.values()]) if (o.frameworkId === frameworkId) m.removeInverseOffer(o.id);
  for (const key of [...m.inverseFilters.keys()]) if (key.startsWith(`${frameworkId}/`)) m.inverseFilters.delete(key);
  return [];
}
