/**
 * The master's records of maintenance and draining: the schedule and the
 * machines that are down, each agent's drain and deactivation (by agent id:
 * they outlive a re-registration and a master failover), the inverse offers
 * outstanding and the frameworks' answers. Written only by
 * books/maintenance.ts; read by the offers, the HTTP views and the web UI.
 */
import { machineKey, onMachine, type DrainInfo, type InverseOfferStatus, type MachineID, type MaintenanceWindow, type Unavailability } from '../protocol/maintenance.js';

export interface OutstandingInverseOffer {
  readonly id: string;
  readonly frameworkId: string;
  readonly agentId: string;
  /** The key of the scheduled machine the agent is on. */
  readonly machine: string;
  readonly unavailability: Unavailability;
}

/** A machine of the schedule an agent is on, and its window's unavailability. */
export interface ScheduledMachine {
  readonly id: MachineID;
  readonly key: string;
  readonly unavailability: Unavailability;
}

export class MaintenanceBooks {
  /** The schedule in force (UPDATE_MAINTENANCE_SCHEDULE); a machine in it and not down is DRAINING. */
  windows: MaintenanceWindow[] = [];
  /** Machines DOWN (START_MAINTENANCE), by machineKey: their agents are removed and refused until they are UP. */
  readonly down = new Map<string, MachineID>();
  /** Agents being drained or drained (DRAIN_AGENT), by id. */
  readonly drains = new Map<string, DrainInfo>();
  /** Agents the operator deactivated (DEACTIVATE_AGENT, or DRAIN_AGENT), by id. */
  readonly deactivated = new Set<string>();
  /** Inverse offers outstanding, by id. */
  readonly inverseOffers = new Map<string, OutstandingInverseOffer>();
  /** `framework/agent` → until when (ms) no new inverse offer is made (the answer's filter). */
  readonly inverseFilters = new Map<string, number>();
  /** machineKey → framework id → the framework's latest answer for that machine. */
  readonly statuses = new Map<string, Map<string, InverseOfferStatus>>();

  /** The scheduled machine an agent at `hostname` / `ip` is on, if any. */
  scheduled(hostname: string, ip: string): ScheduledMachine | undefined {
    for (const w of this.windows) {
      for (const m of w.machine_ids) if (onMachine(m, hostname, ip)) return { id: m, key: machineKey(m), unavailability: w.unavailability };
    }
    return undefined;
  }

  /** The down machine an agent at `hostname` / `ip` is on, if any. */
  isDown(hostname: string, ip: string): MachineID | undefined {
    for (const m of this.down.values()) if (onMachine(m, hostname, ip)) return m;
    return undefined;
  }

  /** A machine in the schedule and not down: its agents' offers carry the unavailability, its frameworks get inverse offers. */
  draining(hostname: string, ip: string): ScheduledMachine | undefined {
    const m = this.scheduled(hostname, ip);
    return m === undefined || this.down.has(m.key) ? undefined : m;
  }

  /** No offers are made of this agent's resources: the operator deactivated it, or it is draining or drained. */
  blocked(agentId: string): boolean {
    return this.deactivated.has(agentId) || this.drains.has(agentId);
  }

  inverseOfferOf(frameworkId: string, agentId: string): OutstandingInverseOffer | undefined {
    for (const o of this.inverseOffers.values()) if (o.frameworkId === frameworkId && o.agentId === agentId) return o;
    return undefined;
  }
}

/** The IP of an agent, from the PID it talks from (`id@ip:port`). */
export function agentIp(pid: string): string {
  const address = pid.slice(pid.indexOf('@') + 1);
  return address.slice(0, address.lastIndexOf(':'));
}
