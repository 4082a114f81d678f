/**
 * A stateful service on reserved resources and a persistent volume: one
 * key-value server (server.ts) whose data lives on a volume that outlives it.
 *
 *   first offer that fits ──ACCEPT [RESERVE cpus, mem, disk, one port (role, principal),
 *                                   CREATE volume kv-<name> at `data`,
 *                                   LAUNCH the server on them]
 *   the server ends (killed, failed, lost) ──REVIVE──► the reservation and the volume are
 *   offered again (only to the role) ──ACCEPT [LAUNCH the server on them]: same data
 *
 * The reservation and the volume are found in offers by the volume's
 * persistence id, so a restarted scheduler (another framework id, same role)
 * finds them too. Offers without them are declined for an hour while the
 * server has its home; the scheduler revives when it needs offers again.
 */
import type { Runtime } from 'libprocess-ts';
import { Resources, type Resource } from '../../protocol/resources.js';
import { isTerminal } from '../../protocol/task-states.js';
import type { Offer, OfferOperation, TaskInfo, TaskStatus } from '../../protocol/types.js';
import { isPersistentVolume } from '../../protocol/reservations.js';
import { volumeInfo } from '../../protocol/volumes.js';
import { SchedulerDriver, type MasterSpec, type Scheduler } from '../../framework/index.js';

export interface KvStoreOptions {
  master: MasterSpec;
  /** The store's name: its volume is `kv-<name>`, its tasks `kv-<name>-<n>`. */
  name: string;
  /** The role it reserves for (default `kv`). */
  role?: string;
  /** The server's share (default cpus 0.1, mem 64). */
  cpus?: number;
  memMb?: number;
  /** The volume's size (default 64 MB). */
  diskMb?: number;
  /** The server: `node <server.js>`; the scheduler adds --dir, --host, --port. */
  serverCommand: string;
  credential?: { readonly principal: string; readonly secret: string };
  user?: string;
  runtime?: Runtime;
  log?: (line: string) => void;
}

export interface KvStoreState {
  /** The server's address once it runs. */
  address?: string;
  taskId?: string;
  agentId?: string;
  launches: number;
  /** How the last launch's task sees its volume (its TASK_RUNNING message). */
  volumeNote?: string;
}

export class KvStoreScheduler {
  readonly state: KvStoreState = { launches: 0 };
  readonly #log: (line: string) => void;
  readonly #role: string;
  /** A launch is in flight or the server runs: nothing more to do with offers. */
  #busy = false;
  driver!: SchedulerDriver;

  private constructor(readonly options: KvStoreOptions) {
    this.#log = options.log ?? ((l) => console.log(l));
    this.#role = options.role ?? 'kv';
  }

  static async start(options: KvStoreOptions): Promise<KvStoreScheduler> {
    const s = new KvStoreScheduler(options);
    s.driver = await SchedulerDriver.start({
      master: options.master,
      framework: {
        name: `kv-store (${options.name})`,
        roles: [s.#role],
        capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }],
        // Its server must outlive an agent restart: the agent recovers only checkpointing frameworks' tasks.
        checkpoint: true,
        ...(options.user ? { user: options.user } : {}),
        ...(options.credential ? { principal: options.credential.principal } : {}),
      },
      ...(options.credential ? { credential: options.credential } : {}),
      scheduler: s.#scheduler(),
      ...(options.runtime ? { runtime: options.runtime } : {}),
    });
    return s;
  }

  get volumeId(): string {
    return `kv-${this.options.name}`;
  }

  stop(): Promise<unknown> {
    return this.driver.stop();
  }

  #scheduler(): Scheduler {
    return {
      registered: (_d, id) => this.#log(`registered as ${id.value} in role ${this.#role}; volume ${this.volumeId}`),
      resourceOffers: (driver, offers) => this.#offers(driver, offers),
      statusUpdate: (driver, status) => this.#update(driver, status),
      error: (_d, message) => this.#log(`error: ${message}`),
      warning: (_d, message) => this.#log(`warning: ${message}`),
    };
  }

  /** The offer's reservation for this store: its volume and the reserved cpus, mem and port beside it. */
  #home(offer: Offer): { volume: Resource; rest: Resources } | undefined {
    const all = Resources.of(offer.resources);
    const volume = all.toJSON().find((r) => isPersistentVolume(r) && volumeInfo(r).id === this.volumeId);
    if (volume === undefined) return undefined;
    return { volume, rest: all.reserved(this.#role).filter((r) => !isPersistentVolume(r) && r.name !== 'disk') };
  }

  #offers(driver: SchedulerDriver, offers: Offer[]): void {
    const declined: Offer[] = [];
    for (const offer of offers) {
      if (this.#busy) {
        declined.push(offer);
        continue;
      }
      const home = this.#home(offer);
      if (home !== undefined) {
        const cpus = home.rest.named('cpus');
        const mem = home.rest.named('mem');
        const ports = home.rest.named('ports');
        if (cpus.isEmpty() || mem.isEmpty() || ports.isEmpty()) {
          declined.push(offer);
          continue;
        }
        const port = ports.ranges('ports')[0]!.begin;
        this.#launch(driver, offer, [], cpus.add(mem).add(ports).toJSON(), home.volume, port);
        continue;
      }
      const plan = this.#reservationPlan(offer);
      if (plan === undefined) {
        declined.push(offer);
        continue;
      }
      this.#log(`reserving ${plan.reserved.toString()} and creating volume ${this.volumeId} on agent ${offer.agent_id.value} (${offer.hostname})`);
      this.#launch(driver, offer, [
        { type: 'RESERVE', reserve: { resources: plan.reserved.toJSON() } },
        { type: 'CREATE', create: { volumes: [plan.volume] } },
      ], plan.reserved.filter((r) => r.name !== 'disk').toJSON(), plan.volume, plan.port);
    }
    if (declined.length > 0) driver.declineOffers(declined.map((o) => o.id), { refuse_seconds: this.#busy ? 3600 : 1 });
  }

  /** Unreserved resources of the offer for a new home: what to reserve, the volume on it, the port. */
  #reservationPlan(offer: Offer): { reserved: Resources; volume: Resource; port: number } | undefined {
    const free = Resources.of(offer.resources).unreserved();
    const cpus = this.options.cpus ?? 0.1;
    const mem = this.options.memMb ?? 64;
    const disk = this.options.diskMb ?? 64;
    const port = free.ranges('ports')[0]?.begin;
    if (port === undefined || free.scalar('cpus') < cpus || free.scalar('mem') < mem || free.scalar('disk') < disk) return undefined;
    const principal = this.options.credential?.principal;
    const at = `${this.#role}@${principal ?? ''}`;
    const reserved = Resources.parse(`cpus(${at}):${cpus};mem(${at}):${mem};disk(${at}):${disk};ports(${at}):[${port}-${port}]`).allocate(this.#role);
    const diskReserved = reserved.named('disk').toJSON()[0]!;
    const volume: Resource = {
      ...diskReserved,
      disk: { persistence: { id: this.volumeId, ...(principal !== undefined ? { principal } : {}) }, volume: { container_path: 'data', mode: 'RW' } },
    };
    return { reserved, volume, port };
  }

  #launch(driver: SchedulerDriver, offer: Offer, operations: OfferOperation[], resources: Resource[], volume: Resource, port: number): void {
    this.state.launches++;
    const taskId = `${this.volumeId}-${this.state.launches}`;
    const host = offer.url?.address?.ip ?? offer.hostname;
    const task: TaskInfo = {
      name: `kv server ${this.options.name}`,
      task_id: { value: taskId },
      agent_id: offer.agent_id,
      resources: [...resources, volume],
      command: { shell: true, value: `exec ${this.options.serverCommand} --dir data --host ${host} --port ${port}` },
    };
    this.#busy = true;
    this.state.taskId = taskId;
    this.state.agentId = offer.agent_id.value;
    this.state.address = `http://${host}:${port}`;
    driver.acceptOffers([offer.id], [...operations, { type: 'LAUNCH', launch: { task_infos: [task] } }], { refuse_seconds: 3600 });
    this.#log(`launching ${taskId} on agent ${offer.agent_id.value} at ${this.state.address}`);
  }

  #update(driver: SchedulerDriver, status: TaskStatus): void {
    if (status.task_id.value !== this.state.taskId) return;
    this.#log(`${status.task_id.value}: ${status.state}${status.message ? ` (${status.message})` : ''}`);
    if (status.state === 'TASK_RUNNING') {
      if (status.message !== undefined && status.message.includes('persistent volume')) this.state.volumeNote = status.message;
      this.#log(`kv server running at ${this.state.address}`);
      return;
    }
    if (!isTerminal(status.state)) return;
    // Back to its home: the reservation and the volume come back in offers to the role.
    this.#busy = false;
    driver.reviveOffers();
  }
}
