/**
 * Helpers a scheduler author needs every time: take resources out of an offer
 * (reservations and allocation roles kept, as the master wants them on the
 * task), first-fit matching of task requests to offers by resources and
 * attribute constraints, task ids, and the reconciliation loop Mesos
 * recommends.
 */
import { Random, osSeed } from 'libprocess-ts';
import { matchesAttributes, type AttributeConstraint } from '../../protocol/attributes.js';
import { Resources, type Resource } from '../../protocol/resources.js';
import { isTerminal } from '../../protocol/task-states.js';
import type { AgentID, CommandInfo, Offer, TaskID, TaskInfo, TaskStatus } from '../../protocol/types.js';
import type { SchedulerDriver } from './driver.js';

export { Resources };

/** A resource text (`cpus:0.5;mem:64`), a Resources value or a v1 list. */
export type ResourcesLike = string | Resources | readonly Resource[];

export function toResources(r: ResourcesLike): Resources {
  if (typeof r === 'string') return Resources.parse(r);
  if (r instanceof Resources) return r;
  return Resources.of(r);
}

/** Everything an offer holds. */
export function offerResources(offer: Offer): Resources {
  return Resources.of(offer.resources);
}

/** The sum of several offers' resources. */
export function sumResources(offers: readonly Offer[]): Resources {
  return offers.reduce((sum, o) => sum.add(offerResources(o)), Resources.empty());
}

const milli = (x: number): number => Math.round(x * 1000);

/**
 * Takes `wanted` out of `available`: scalars from the entries of the same name
 * in order (so reserved and allocated entries are used as they are, which the
 * master needs on a task's resources), ranges and sets by their values, plus
 * `ports` free ports (the lowest ones) when asked. Undefined when it does not fit.
 */
export function take(available: Resources, wanted: ResourcesLike, ports = 0): Resources | undefined {
  const want = toResources(wanted);
  const entries = available.toJSON();
  const taken: Resource[] = [];
  for (const w of want.toJSON()) {
    const same = entries.filter((e) => e.name === w.name && e.type === w.type);
    if (w.type === 'SCALAR') {
      let need = milli(w.scalar?.value ?? 0);
      for (const e of same) {
        if (need <= 0) break;
        const have = milli(e.scalar?.value ?? 0);
        const use = Math.min(have, need);
        if (use <= 0) continue;
        taken.push({ ...e, scalar: { value: use / 1000 } });
        need -= use;
      }
      if (need > 0) return undefined;
    } else {
      // Ranges and sets: an entry of the same name must contain them whole.
      const one = Resources.of([{ ...w }]);
      const host = same.find((e) => Resources.of([e]).unallocate().flatten().contains(one.unallocate().flatten()));
      if (host === undefined) return undefined;
      const { ranges: _r, set: _s, ...shape } = host;
      taken.push({ ...shape, ...(w.ranges ? { ranges: w.ranges } : {}), ...(w.set ? { set: w.set } : {}) });
    }
  }
  if (ports > 0) {
    let left = Resources.of(entries).subtract(Resources.of(taken));
    let need = ports;
    for (const e of left.toJSON().filter((x) => x.name === 'ports' && x.type === 'RANGES')) {
      for (const r of e.ranges?.range ?? []) {
        if (need <= 0) break;
        const n = Math.min(need, r.end - r.begin + 1);
        const { ranges: _r, ...shape } = e;
        const got: Resource = { ...shape, ranges: { range: [{ begin: r.begin, end: r.begin + n - 1 }] } };
        taken.push(got);
        left = left.subtract(Resources.of([got]));
        need -= n;
      }
    }
    if (need > 0) return undefined;
  }
  try {
    const result = Resources.of(taken);
    return available.contains(result) ? result : undefined;
  } catch {
    return undefined;
  }
}

let sharedIds: TaskIdGenerator | undefined;
/** The generator firstFit uses when given none: one per OS process, with a random suffix (unique across restarts). */
function defaultIds(): TaskIdGenerator {
  return (sharedIds ??= new TaskIdGenerator('task', new Random(osSeed())));
}

/** A task to place: what it needs and how to build its TaskInfo once placed. */
export interface TaskRequest {
  /** Task id (default: from the generator given to firstFit, or `task-<n>`). */
  id?: string;
  name?: string;
  resources: ResourcesLike;
  /** Free ports to add (the lowest ones of the offer), beside any `ports` in `resources`. */
  ports?: number;
  /** Constraints on the agent's attributes (protocol/attributes.ts). */
  constraints?: readonly AttributeConstraint[];
  /** Extra checks on the offer (hostname uniqueness, ...), given the tasks already placed in this round. */
  accept?: (offer: Offer, placed: readonly Placement[]) => boolean;
  command?: CommandInfo | string;
  /** Builds the TaskInfo (default: a command task with `command`). */
  build?: (placement: { taskId: string; offer: Offer; resources: Resources }) => TaskInfo;
}

export interface Placement {
  request: TaskRequest;
  offer: Offer;
  task: TaskInfo;
  resources: Resources;
}

export interface FirstFitResult {
  /** By offer id: the offer and the tasks to launch on it. */
  launches: Map<string, { offer: Offer; tasks: TaskInfo[] }>;
  placements: Placement[];
  /** Requests that fitted nowhere, in their order. */
  unplaced: TaskRequest[];
  /** Offers nothing was placed on (to decline). */
  unused: Offer[];
}

/**
 * First fit: each request, in order, goes to the first offer whose remaining
 * resources hold it and whose agent's attributes match its constraints.
 * Requests without an `id` get one from `ids` (default: a process-wide
 * generator, `task-<n>-<random hex>`; pass your own for readable or replayable ids).
 */
export function firstFit(offers: readonly Offer[], requests: readonly TaskRequest[], ids: TaskIdGenerator = defaultIds()): FirstFitResult {
  const remaining = new Map(offers.map((o) => [o.id.value, offerResources(o)]));
  const launches = new Map<string, { offer: Offer; tasks: TaskInfo[] }>();
  const placements: Placement[] = [];
  const unplaced: TaskRequest[] = [];
  for (const request of requests) {
    let placed = false;
    for (const offer of offers) {
      if (request.constraints && !matchesAttributes(offer.attributes, request.constraints)) continue;
      if (request.accept && !request.accept(offer, placements)) continue;
      const left = remaining.get(offer.id.value)!;
      const resources = take(left, request.resources, request.ports ?? 0);
      if (resources === undefined) continue;
      remaining.set(offer.id.value, left.subtract(resources));
      const taskId = request.id ?? ids.next();
      const task = request.build ? request.build({ taskId, offer, resources }) : commandTask(taskId, offer, resources, request.command ?? 'true', request.name);
      const entry = launches.get(offer.id.value) ?? { offer, tasks: [] };
      entry.tasks.push(task);
      launches.set(offer.id.value, entry);
      placements.push({ request, offer, task, resources });
      placed = true;
      break;
    }
    if (!placed) unplaced.push(request);
  }
  return { launches, placements, unplaced, unused: offers.filter((o) => !launches.has(o.id.value)) };
}

/** A command task on `offer`'s agent. */
export function commandTask(taskId: string, offer: Offer, resources: ResourcesLike, command: CommandInfo | string = 'true', name = taskId): TaskInfo {
  return {
    name,
    task_id: { value: taskId },
    agent_id: offer.agent_id,
    resources: toResources(resources).toJSON(),
    command: typeof command === 'string' ? { value: command, shell: true } : command,
  };
}

/**
 * Task ids `<prefix>-<n>` (n from 1), or `<prefix>-<n>-<8 hex>` with a seeded
 * Random, so ids stay unique across restarts of the scheduler.
 */
export class TaskIdGenerator {
  #n = 0;
  constructor(
    readonly prefix: string,
    readonly random?: Random,
  ) {}
  next(): string {
    const n = ++this.#n;
    if (this.random === undefined) return `${this.prefix}-${n}`;
    return `${this.prefix}-${n}-${this.random.uint32().toString(16).padStart(8, '0')}`;
  }
}

export interface ReconcileOptions {
  /** First wait for answers, ms (default 1000); doubles each round. */
  initialMs?: number;
  /** Longest wait, ms (default 60000). */
  maxMs?: number;
  /** After every named task is known, ask once for every task the master knows (default true). */
  implicit?: boolean;
}

/**
 * Mesos's recommended reconciliation: ask about every task named, wait, ask
 * again about those without an answer (backing off), until each has a state;
 * then (by default) one implicit reconciliation. Resolves with the latest
 * status of each task named; rejects if the driver stops first.
 * While the driver is disconnected the rounds go on (calls are refused) and
 * it continues after it reregisters.
 */
export async function reconcileTasks(
  driver: SchedulerDriver,
  tasks: readonly { task_id: TaskID; agent_id?: AgentID }[],
  options: ReconcileOptions = {},
): Promise<Map<string, TaskStatus>> {
  const pending = new Map(tasks.map((t) => [t.task_id.value, t]));
  const known = new Map<string, TaskStatus>();
  let wake: (() => void) | undefined;
  const off = driver.onEvent((e) => {
    if (e.type === 'update' && pending.has(e.status.task_id.value)) {
      known.set(e.status.task_id.value, e.status);
      pending.delete(e.status.task_id.value);
      if (pending.size === 0) wake?.();
    }
    if (e.type === 'update' && known.has(e.status.task_id.value)) known.set(e.status.task_id.value, e.status);
    if (e.type === 'reregistered') wake?.();
    if (e.type === 'error') wake?.();
  });
  let wait = options.initialMs ?? 1_000;
  const max = options.maxMs ?? 60_000;
  try {
    while (pending.size > 0) {
      if (driver.status !== 'DRIVER_RUNNING') throw new Error(`reconciliation stopped: the driver is ${driver.status}`);
      driver.reconcileTasks([...pending.values()]);
      await Promise.race([driver.sleep(wait), new Promise<void>((resolve) => (wake = resolve)), driver.join().then(() => undefined)]);
      wake = undefined;
      wait = Math.min(max, wait * 2);
    }
    if ((options.implicit ?? true) && driver.status === 'DRIVER_RUNNING') driver.reconcileTasks([]);
    return known;
  } finally {
    off();
  }
}

/** True when the update means the task will not run (any more). */
export function isTaskDone(status: TaskStatus): boolean {
  return isTerminal(status.state);
}
