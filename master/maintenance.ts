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
  #windows: MaintenanceWindow[] = [];
  /** The scheduled machines by lower-cased hostname and by IP (a machine with both is under each): offers look their agent up here. */
  #byHostname = new Map<string, ScheduledMachine[]>();
  #byIp = new Map<string, ScheduledMachine[]>();
  /** Machines DOWN (START_MAINTENANCE), by machineKey: their agents are removed and refused until they are UP. */
  readonly down = new Map<string, MachineID>();
  /** Agents being drained or drained (DRAIN_AGENT), by id. */
  readonly drains = new Map<string, DrainInfo>();
  /** Agents the operator deactivated (DEACTIVATE_AGENT, or DRAIN_AGENT), by id. */
  readonly deactivated = new Set<string>();
  readonly #inverseOffers = new Map<string, OutstandingInverseOffer>();
  /** `framework/agent` -> the id of its outstanding inverse offer. */
  readonly #inverseByPair = new Map<string, string>();
  /** `framework/agent` → until when (ms) no new inverse offer is made (the answer's filter). */
  readonly inverseFilters = new Map<string, number>();
  /** machineKey → framework id → the framework's latest answer for that machine. */
  readonly statuses = new Map<string, Map<string, InverseOfferStatus>>();

  /** The schedule in force (UPDATE_MAINTENANCE_SCHEDULE); a machine in it and not down is DRAINING. */
  get windows(): MaintenanceWindow[] {
    return this.#windows;
  }

  set windows(windows: MaintenanceWindow[]) {
    this.#windows = windows;
    this.#byHostname = new Map();
    this.#byIp = new Map();
    const index = (map: Map<string, ScheduledMachine[]>, key: string, m: ScheduledMachine): void => {
      const list = map.get(key);
      if (list === undefined) map.set(key, [m]);
      else list.push(m);
    };
    for (const w of windows) {
      for (const id of w.machine_ids) {
        const m: ScheduledMachine = { id, key: machineKey(id), unavailability: w.unavailability };
        if (id.hostname !== undefined && id.hostname !== '') index(this.#byHostname, id.hostname.toLowerCase(), m);
        else if (id.ip !== undefined && id.ip !== '') index(this.#byIp, id.ip, m);
      }
    }
  }

  /** The scheduled machine an agent at `hostname` / `ip` is on, if any (a lookup by each, not a walk of the schedule). */
  scheduled(hostname: string, ip: string): ScheduledMachine | undefined {
    if (this.#windows.length === 0) return undefined;
    for (const m of this.#byHostname.get(hostname.toLowerCase()) ?? []) if (onMachine(m.id, hostname, ip)) return m;
    for (const m of this.#byIp.get(ip) ?? []) if (onMachine(m.id, hostname, ip)) return m;
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

  /** Inverse offers outstanding, by id (books/maintenance.ts adds and removes them). */
  get inverseOffers(): ReadonlyMap<string, OutstandingInverseOffer> {
    return this.#inverseOffers;
  }

  addInverseOffer(o: OutstandingInverseOffer): void {
    this.#inverseOffers.set(o.id, o);
    this.#inverseByPair.set(`${o.frameworkId}/${o.agentId}`, o.id);
  }

  removeInverseOffer(id: string): OutstandingInverseOffer | undefined {
    const o = this.#inverseOffers.get(id);
    if (o === undefined) return undefined;
    this.#inverseOffers.delete(id);
    this.#inverseByPair.delete(`${o.frameworkId}/${o.agentId}`);
    return o;
  }

  inverseOfferOf(frameworkId: string, agentId: string): OutstandingInverseOffer | undefined {
    const id = this.#inverseByPair.get(`${frameworkId}/${agentId}`);
    return id === undefined ? undefined : this.#inverseOffers.get(id);
  }
}

/** The IP of an agent, from the PID it talks from (`id@ip:port`). */
export function agentIp(pid: string): string {
  const address = pid.slice(pid.indexOf('@') + 1);
  return address.slice(0, address.lastIndexOf(':'));
}
