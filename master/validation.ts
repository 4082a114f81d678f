/**
 * Validation of what a framework asks for in ACCEPT: pure functions over the
 * master's view, returning errors as text a framework can act on. Mesos's
 * rules: the offers must exist, belong to the framework and be on one agent;
 * each task needs a valid unique id, a command or an executor (not both),
 * valid resources within what is left of the offers, and an executor
 * consistent with the one of the same id already on the agent.
 */
import { idError } from '../protocol/ids.js';
import { Resources } from '../protocol/resources.js';
import type { ExecutorInfo, TaskInfo } from '../protocol/types.js';
import type { OfferBook, OutstandingOffer } from './offers.js';

export type OfferCheck =
  | { readonly ok: true; readonly offers: OutstandingOffer[]; readonly agentId: string; readonly role: string }
  | { readonly ok: false; readonly error: string; readonly offers: OutstandingOffer[] };

/** Checks the offers of one ACCEPT (or DECLINE). `offers` lists those that exist and are the framework's, valid or not. */
export function checkOffers(frameworkId: string, offerIds: readonly { value: string }[] | undefined, book: OfferBook): OfferCheck {
  const mine: OutstandingOffer[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  if (!Array.isArray(offerIds) || offerIds.length === 0) return { ok: false, error: 'no offer_ids given', offers: mine };
  for (const id of offerIds) {
    const value = id?.value;
    if (typeof value !== 'string') {
      errors.push('an offer id is not {"value": "..."}');
      continue;
    }
    if (seen.has(value)) {
      errors.push(`offer ${value} is given more than once`);
      continue;
    }
    seen.add(value);
    const offer = book.get(value);
    if (offer === undefined) errors.push(`offer ${value} is no longer valid`);
    else if (offer.frameworkId !== frameworkId) errors.push(`offer ${value} belongs to another framework`);
    else mine.push(offer);
  }
  const agents = new Set(mine.map((o) => o.agentId));
  if (agents.size > 1) errors.push(`offers span several agents (${[...agents].sort().join(', ')}); an ACCEPT must use offers of one agent`);
  const roles = new Set(mine.map((o) => o.role));
  if (roles.size > 1) errors.push(`offers are allocated to several roles (${[...roles].sort().join(', ')})`);
  if (errors.length > 0) return { ok: false, error: errors.join('; '), offers: mine };
  return { ok: true, offers: mine, agentId: mine[0]!.agentId, role: mine[0]!.role };
}

/** What the master knows that a task is checked against. */
export interface TaskContext {
  readonly agentId: string;
  readonly role: string;
  /** Ids of the framework's tasks that are not terminal, plus those launched earlier in this ACCEPT. */
  readonly taskIds: { has(id: string): boolean };
  /** The framework's executors on this agent (running, or launched earlier in this ACCEPT). */
  readonly executors: ReadonlyMap<string, ExecutorInfo>;
  /** What is left of the offers. */
  readonly available: Resources;
}

export type TaskCheck =
  | { readonly ok: true; readonly task: TaskInfo; readonly taskResources: Resources; readonly executorResources: Resources; readonly newExecutor: ExecutorInfo | undefined }
  | { readonly ok: false; readonly error: string };

/**
 * Checks one task of a LAUNCH. Resources without `allocation_info` are taken
 * as allocated to the offer's role (what Mesos does for frameworks that are
 * not MULTI_ROLE). On success the task is returned with its resources
 * normalized and `agent_id` set.
 */
export function checkTask(raw: TaskInfo, ctx: TaskContext): TaskCheck {
  if (raw === null || typeof raw !== 'object') return { ok: false, error: 'task_info is not an object' };
  const idWhy = idError(raw.task_id?.value);
  if (idWhy !== undefined) return { ok: false, error: `task_id ${idWhy}` };
  const taskId = raw.task_id.value;
  if (typeof raw.name !== 'string') return { ok: false, error: `task ${taskId}: name must be a string` };
  const mct = raw.max_completion_time;
  if (mct !== undefined && !(typeof mct?.nanoseconds === 'number' && Number.isFinite(mct.nanoseconds) && mct.nanoseconds >= 0)) {
    return { ok: false, error: `task ${taskId}: 'max_completion_time' must be a non-negative duration` };
  }
  if (ctx.taskIds.has(taskId)) return { ok: false, error: `task ${taskId}: the task id is already in use` };
  if (raw.agent_id !== undefined && raw.agent_id?.value !== ctx.agentId) {
    return { ok: false, error: `task ${taskId}: agent_id ${raw.agent_id?.value} is not the agent of the offers (${ctx.agentId})` };
  }
  const hasCommand = raw.command !== undefined && raw.command !== null;
  const hasExecutor = raw.executor !== undefined && raw.executor !== null;
  if (hasCommand === hasExecutor) return { ok: false, error: `task ${taskId}: needs exactly one of command or executor` };
  if (hasCommand) {
    const c = raw.command!;
    if ((c.shell ?? true) && typeof c.value !== 'string') return { ok: false, error: `task ${taskId}: a shell command needs command.value` };
    // With an image, shell: false and no value runs the image's Entrypoint/Cmd (the agent's docker/runtime).
    const hasImage = raw.container?.mesos?.image !== undefined && raw.container.mesos.image !== null;
    if (c.shell === false && typeof c.value !== 'string' && !hasImage) return { ok: false, error: `task ${taskId}: command.value (the program) is required when shell is false (or a container image, whose entrypoint runs)` };
  }

  let taskResources: Resources;
  try {
    taskResources = allocated(Resources.fromJSON(raw.resources ?? [], 'resources'), ctx.role);
  } catch (err) {
    return { ok: false, error: `task ${taskId}: ${(err as Error).message}` };
  }
  if (taskResources.isEmpty()) return { ok: false, error: `task ${taskId}: uses no resources` };
  const gpusWhy = gpusError(taskResources);
  if (gpusWhy !== undefined) return { ok: false, error: `task ${taskId}: ${gpusWhy}` };
  const wrongRole = taskResources.toJSON().find((r) => r.allocation_info?.role !== ctx.role);
  if (wrongRole !== undefined) return { ok: false, error: `task ${taskId}: resources are allocated to role ${wrongRole.allocation_info?.role}, but the offers are for role ${ctx.role}` };

  let executorResources = Resources.empty();
  let newExecutor: ExecutorInfo | undefined;
  let executor = raw.executor;
  if (hasExecutor) {
    const e = raw.executor!;
    const exWhy = idError(e.executor_id?.value);
    if (exWhy !== undefined) return { ok: false, error: `task ${taskId}: executor_id ${exWhy}` };
    if (e.command === undefined && e.container === undefined) return { ok: false, error: `task ${taskId}: executor ${e.executor_id.value} needs a command` };
    try {
      executorResources = allocated(Resources.fromJSON(e.resources ?? [], 'executor.resources'), ctx.role);
    } catch (err) {
      return { ok: false, error: `task ${taskId}: ${(err as Error).message}` };
    }
    const exGpusWhy = gpusError(executorResources);
    if (exGpusWhy !== undefined) return { ok: false, error: `task ${taskId}: executor ${e.executor_id.value}: ${exGpusWhy}` };
    executor = { ...e, resources: executorResources.toJSON() };
    const known = ctx.executors.get(e.executor_id.value);
    if (known !== undefined) {
      if (!sameExecutor(known, executor)) return { ok: false, error: `task ${taskId}: executor ${e.executor_id.value} differs from the executor of that id already on agent ${ctx.agentId}` };
      executorResources = Resources.empty();
    } else {
      newExecutor = executor;
    }
  }
  const needed = taskResources.add(executorResources);
  if (!ctx.available.contains(needed)) {
    return { ok: false, error: `task ${taskId}: needs ${needed.toString()} but the offers have ${ctx.available.toString()} left` };
  }
  const task: TaskInfo = { ...raw, agent_id: { value: ctx.agentId }, resources: taskResources.toJSON(), ...(executor ? { executor } : {}) };
  return { ok: true, task, taskResources, executorResources, newExecutor };
}

/** GPUs are whole devices (Mesos's validateGpus): a fraction of one is refused, naming it. */
export function gpusError(resources: Resources): string | undefined {
  const gpus = resources.scalar('gpus');
  return Number.isInteger(gpus) ? undefined : `'gpus' must be a whole number of GPUs, not ${gpus}`;
}

/** Gives resources that carry no allocation role the offer's role. */
export function allocated(resources: Resources, role: string): Resources {
  const bare = resources.filter((r) => r.allocation_info === undefined);
  if (bare.isEmpty()) return resources;
  return resources.subtract(bare).add(bare.allocate(role));
}

export function sameExecutor(a: ExecutorInfo, b: ExecutorInfo): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([x], [y]) => (x < y ? -1 : 1)));
    }
    return v;
  });
}
