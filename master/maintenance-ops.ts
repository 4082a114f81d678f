/**
 * Maintenance and draining at the master: what the operator calls and the
 * schedulers' answers do, around the transitions of books/maintenance.ts:
 * offers of a deactivated or drained agent rescinded, a drained agent marked
 * gone when asked, the agents of a machine going DOWN removed and shut down,
 * inverse offers made on every allocation interval while a schedule exists.
 */
import type { Timer } from 'libprocess-ts';
import { describeMachine, onMachine, type DrainConfig, type MachineID, type MaintenanceWindow } from '../protocol/maintenance.js';
import type { Agent } from './agent.js';
import type { Agents } from './agents.js';
import * as maintenanceBooks from './books/maintenance.js';
import type { MasterContext } from './context.js';
import type { Framework } from './framework.js';
import { agentIp } from './maintenance.js';
import type { Offering } from './offering.js';

/** What an operator call did: nothing to report, or why it was refused (a 400). */
export type Outcome = { readonly ok: true } | { readonly error: string };
const OK: Outcome = { ok: true };

export class Maintenance {
  #timer: Timer | undefined;

  constructor(private readonly ctx: MasterContext, private readonly agents: Agents, private readonly offering: Offering) {}

  /** An agent registered, unreachable, or known from the registry and not back yet. */
  #known(agentId: string): boolean {
    return this.ctx.state.agents.has(agentId) || this.ctx.state.unreachableAgents.has(agentId) || (this.ctx.pendingAgent?.(agentId) ?? false);
  }

  deactivate(agentId: string): Outcome {
    if (!this.#known(agentId)) return { error: `Agent ${agentId} is not known to this master` };
    this.ctx.apply(maintenanceBooks.deactivate(this.ctx.state, agentId));
    this.offering.rescindAgent(agentId, 'agent deactivated');
    return OK;
  }

  reactivate(agentId: string): Outcome {
    if (!this.#known(agentId)) return { error: `Agent ${agentId} is not known to this master` };
    if (!this.ctx.state.maintenance.blocked(agentId)) return { error: `Agent ${agentId} is neither deactivated nor draining` };
    this.ctx.apply(maintenanceBooks.reactivate(this.ctx.state, agentId));
    return OK;
  }

  drain(agentId: string, config: DrainConfig): Outcome {
    const agent = this.ctx.state.agents.get(agentId);
    if (agent === undefined) return { error: this.#known(agentId) ? `Agent ${agentId} is not registered (unreachable, or not back since the master failed over): it can be drained once it is` : `Agent ${agentId} is not known to this master` };
    const { effects, markGone } = maintenanceBooks.drain(this.ctx.state, agent, config);
    this.ctx.apply(effects);
    this.offering.rescindAgent(agentId, 'agent draining');
    this.ctx.logger.info(`agent ${agentId} is draining${config.max_grace_period !== undefined ? ` (grace period at most ${config.max_grace_period.nanoseconds / 1e9} s)` : ''}${config.mark_gone ? '; gone once drained' : ''}`);
    if (markGone) this.#gone(agent);
    return OK;
  }

  /** A status update from a draining agent: DRAINED once none of its tasks runs. */
  updated(agent: Agent): void {
    if (this.ctx.state.maintenance.drains.get(agent.id)?.state !== 'DRAINING') return;
    const { effects, markGone } = maintenanceBooks.drained(this.ctx.state, agent);
    this.ctx.apply(effects);
    if (effects.length > 0) this.ctx.logger.info(`agent ${agent.id} is drained`);
    if (markGone) this.#gone(agent);
  }

  /** An agent re-registered: a DRAINING one has its running tasks killed again (or is DRAINED now). */
  reregistered(pid: string): void {
    const agent = this.ctx.state.agentsByPid.get(pid);
    if (agent === undefined) return;
    const { effects, markGone } = maintenanceBooks.reregistered(this.ctx.state, agent);
    this.ctx.apply(effects);
    if (markGone) this.#gone(agent);
  }

  #gone(agent: Agent): void {
    this.agents.remove(agent, 'drained, and marked gone as DRAIN_AGENT asked', 'TASK_GONE_BY_OPERATOR');
    this.ctx.toAgent(agent, 'shutdown', { message: 'Agent drained and marked gone by the operator' });
  }

  updateSchedule(windows: MaintenanceWindow[]): Outcome {
    const before = this.ctx.state.maintenance.windows;
    const result = maintenanceBooks.schedule(this.ctx.state, windows);
    if ('error' in result) return result;
    this.ctx.apply(result.effects);
    // Offers of agents whose unavailability changed are made again, with it (as Mesos).
    const touched = [...before, ...windows].flatMap((w) => w.machine_ids);
    for (const agent of this.ctx.state.agents.values()) {
      if (touched.some((m) => onMachine(m, agent.hostname, agentIp(agent.pid)))) this.offering.rescindAgent(agent.id, 'maintenance schedule changed');
    }
    this.ctx.logger.info(`maintenance schedule: ${windows.length} window(s), ${windows.reduce((n, w) => n + w.machine_ids.length, 0)} machine(s)`);
    this.inverseOffers();
    return OK;
  }

  /** START_MAINTENANCE: the machines are DOWN; their agents are removed (tasks TASK_GONE, TASK_LOST to legacy frameworks) and shut down. */
  down(machines: readonly MachineID[]): Outcome {
    const result = maintenanceBooks.down(this.ctx.state, machines);
    if ('error' in result) return result;
    this.ctx.apply(result.effects);
    for (const agent of [...this.ctx.state.agents.values()]) {
      const machine = machines.find((m) => onMachine(m, agent.hostname, agentIp(agent.pid)));
      if (machine === undefined) continue;
      this.agents.remove(agent, `machine ${describeMachine(machine)} is down for maintenance`);
      this.ctx.toAgent(agent, 'shutdown', { message: `Machine ${describeMachine(machine)} is down for maintenance` });
    }
    this.ctx.logger.info(`machines down for maintenance: ${machines.map(describeMachine).join(', ')}`);
    return OK;
  }

  /** STOP_MAINTENANCE: the machines are UP, out of the schedule; their agents may register again. */
  up(machines: readonly MachineID[]): Outcome {
    const result = maintenanceBooks.up(this.ctx.state, machines);
    if ('error' in result) return result;
    this.ctx.apply(result.effects);
    this.ctx.logger.info(`machines up after maintenance: ${machines.map(describeMachine).join(', ')}`);
    return OK;
  }

  /** ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS from a framework. */
  answered(framework: Framework, ids: readonly string[], accept: boolean, refuseSeconds: number): void {
    this.ctx.apply(maintenanceBooks.answered(this.ctx.state, framework.id, ids, accept, refuseSeconds, this.ctx.clock.now()));
  }

  /** Inverse offers due now; while a schedule exists, again every allocation interval (new tasks, expired filters, frameworks back). */
  inverseOffers(): void {
    this.ctx.apply(maintenanceBooks.inverseOffersDue(this.ctx.state, this.ctx.clock.now(), () => this.ctx.ids.nextOfferId().value));
    if (this.#timer === undefined && this.ctx.state.maintenance.windows.length > 0) {
      this.#timer = this.ctx.delay(this.ctx.flags.allocationIntervalMs, () => {
        this.#timer = undefined;
        this.inverseOffers();
      });
    }
  }

  stop(): void {
    this.#timer?.cancel();
  }
}
