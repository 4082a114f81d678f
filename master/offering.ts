/**
 * Offers: the allocator's decisions become offers to schedulers; ACCEPT
 * launches tasks and task groups (launch-group.ts) on them (validated) and
 * gives back what is unused with the framework's filter; DECLINE gives everything back; offers are rescinded
 * when they time out, their agent goes, or their framework disconnects.
 */
import type { CallAccept, CallDecline } from '../protocol/scheduler.js';
import { Resources, type Resource } from '../protocol/resources.js';
import { preRefinement } from '../protocol/reservations.js';
import type { ExecutorInfo, Offer, OfferOperation, TaskInfo } from '../protocol/types.js';
import type { Agent } from './agent.js';
import * as executorBooks from './books/executors.js';
import * as offerBooks from './books/offers.js';
import type { MasterContext } from './context.js';
import type { Framework } from './framework.js';
import type { OutstandingOffer } from './offers.js';
import type { Tasks } from './tasks.js';
import { checkOffers, checkTask } from './validation.js';
import * as maintenanceBooks from './books/maintenance.js';
import { agentIp } from './maintenance.js';
import { launchGroup } from './launch-group.js';
import { RESOURCE_OPERATIONS, ResourceOperations } from './operations.js';
import { mountSplitError } from '../protocol/disk-sources.js';
import { TaskIdsInUse } from './task-ids.js';

/** One decision of the allocator: resources of an agent for a framework under a role. */
export interface Allocation {
  readonly framework_id: string;
  readonly agent_id: string;
  readonly role: string;
  /** `Resources.json()` of the allocator's decision: read back here without parsing. */
  readonly resources: readonly Resource[];
}

export class Offering {
  readonly resourceOps: ResourceOperations;

  constructor(private readonly ctx: MasterContext, private readonly tasks: Tasks) {
    this.resourceOps = new ResourceOperations(ctx);
  }

  /** Turns allocations into offers, one OFFERS message per framework. Ones that cannot be offered go straight back. */
  allocated(allocations: readonly Allocation[]): void {
    const byFramework = new Map<Framework, Offer[]>();
    for (const a of allocations) {
      const framework = this.ctx.state.frameworks.get(a.framework_id);
      const agent = this.ctx.state.agents.get(a.agent_id);
      if (framework === undefined || !framework.active || agent === undefined || !agent.active) {
        // The framework or agent went away while the allocator decided: give it back.
        if (agent !== undefined && framework !== undefined) this.ctx.allocator.recoverResources(a.framework_id, a.agent_id, a.resources, undefined);
        continue;
      }
      const id = this.ctx.ids.nextOfferId().value;
      const resources = Resources.of(a.resources);
      const outstanding: OutstandingOffer = { id, frameworkId: framework.id, agentId: agent.id, role: a.role, resources, timer: undefined };
      const timeout = this.ctx.flags.offerTimeoutMs;
      if (timeout !== undefined) outstanding.timer = this.ctx.delay(timeout, () => this.rescind(id, 'offer timeout'));
      this.ctx.apply(offerBooks.made(this.ctx.state, outstanding));
      let list = byFramework.get(framework);
      if (list === undefined) byFramework.set(framework, (list = []));
      list.push(offerMessage(outstanding, agent, framework, this.ctx.state.maintenance.draining(agent.hostname, agentIp(agent.pid))?.unavailability));
    }
    for (const [framework, offers] of byFramework) {
      this.ctx.toFramework(framework, 'offers', { offers });
      this.ctx.state.count('master/offers_sent', offers.length);
      this.ctx.logger.debug(`sent ${offers.length} offer(s) to framework ${framework.id}`);
    }
  }

  /** Withdraws an offer: the scheduler is told, the resources go back to the allocator. */
  rescind(offerId: string, why: string, refuseSeconds?: number): void {
    const effects = offerBooks.rescinded(this.ctx.state, offerId, refuseSeconds);
    if (effects.length === 0) return;
    this.ctx.logger.debug(`rescinded offer ${offerId} (${why})`);
    this.ctx.apply(effects);
  }

  rescindAgent(agentId: string, why: string): void {
    for (const o of this.ctx.state.offers.ofAgent(agentId)) this.rescind(o.id, why);
  }

  /** Every outstanding offer of a framework withdrawn (its scheduler told, in case it holds them) and recovered to be offered again. */
  rescindFramework(framework: Framework, why: string): void {
    for (const o of this.ctx.state.offers.ofFramework(framework.id)) this.rescind(o.id, why);
  }

  /** Offers of a framework that disconnected or failed over: back to the allocator, without telling the old scheduler. */
  recallFramework(framework: Framework): void {
    this.ctx.apply(offerBooks.recalled(this.ctx.state, framework.id));
    this.ctx.apply(maintenanceBooks.frameworkLeft(this.ctx.state, framework.id));
  }

  decline(framework: Framework, call: CallDecline): void {
    const refuse = refuseSecondsOf(call.filters, this.ctx.flags.defaultRefuseSeconds);
    for (const id of call.offer_ids ?? []) if (typeof id?.value === 'string') this.ctx.apply(offerBooks.declined(this.ctx.state, framework, id.value, refuse));
  }

  accept(framework: Framework, call: CallAccept): void {
    const operations = Array.isArray(call.operations) ? call.operations : [];
    const refuse = refuseSecondsOf(call.filters, this.ctx.flags.defaultRefuseSeconds);
    const check = checkOffers(framework.id, call.offer_ids, this.ctx.state.offers);
    this.ctx.apply(offerBooks.used(this.ctx.state, check.offers));
    if (!check.ok) {
      this.ctx.state.count('master/invalid_accepts');
      for (const o of check.offers) if (this.ctx.state.agents.has(o.agentId)) this.ctx.allocator.recoverResources(framework.id, o.agentId, o.resources.json(), undefined);
      for (const task of launchedTasks(operations)) {
        // An ACCEPT delivered twice (or resent): the first one launched this task and used the offers. Answering
        // TASK_DROPPED/LOST now would tell the framework a task it runs (or that ended otherwise) is gone.
        if (task.task_id !== undefined && knownTask(framework, task.task_id.value)) {
          this.ctx.state.count('master/repeated_launches');
          continue;
        }
        const state = framework.partitionAware ? 'TASK_DROPPED' : 'TASK_LOST';
        this.tasks.send(framework, this.tasks.masterStatus({ task_id: task.task_id ?? { value: '' } }, state, 'REASON_INVALID_OFFERS', `Invalid offers: ${check.error}`));
      }
      if (operations.length === 0 || launchedTasks(operations).length === 0) this.ctx.toFramework(framework, 'error', { message: `ACCEPT refused: ${check.error}` });
      return;
    }
    this.ctx.state.count('master/offers_accepted', check.offers.length);
    const agent = this.ctx.state.agents.get(check.agentId);
    let available = check.offers.reduce((sum, o) => sum.add(o.resources), Resources.empty());
    if (agent === undefined || !agent.connected) {
      for (const task of launchedTasks(operations)) {
        this.tasks.send(framework, this.tasks.masterStatus({ task_id: task.task_id, agent_id: { value: check.agentId } }, framework.partitionAware ? 'TASK_DROPPED' : 'TASK_LOST', 'REASON_AGENT_DISCONNECTED', 'Agent is not connected'));
      }
      if (agent !== undefined) this.ctx.allocator.recoverResources(framework.id, agent.id, available.json(), undefined);
      return;
    }

    const taskIds = new TaskIdsInUse(framework.tasks);
    const executors = new Map<string, ExecutorInfo>(framework.executors.get(agent.id) ?? []);
    // As Mesos: the offered shared resources (a shared volume) stay usable by every launch of this ACCEPT, even
    // once a task took the offered copy, so two tasks can use one volume; what is left over is what goes back.
    let offeredShared = available.shared();
    const usable = (): Resources => (offeredShared.isEmpty() ? available : available.nonShared().add(offeredShared));
    for (const op of operations) {
      if (op?.type === 'LAUNCH' && op.id !== undefined) {
        // As Mesos: operation feedback is for operations on resources, not for launches.
        for (const raw of op.launch?.task_infos ?? []) this.tasks.send(framework, this.tasks.masterStatus({ task_id: raw?.task_id ?? { value: '' }, agent_id: { value: agent.id } }, 'TASK_ERROR', 'REASON_TASK_INVALID', 'A LAUNCH operation cannot have an operation id: operation feedback is not supported for launches'));
      } else if (op?.type === 'LAUNCH') {
        for (const raw of op.launch?.task_infos ?? []) {
          const result = checkTask(raw, { agentId: agent.id, role: check.role, taskIds, executors, available: usable() });
          if (!result.ok) {
            this.ctx.state.count('master/invalid_tasks');
            this.tasks.send(framework, this.tasks.masterStatus({ task_id: raw?.task_id ?? { value: '' }, agent_id: { value: agent.id } }, 'TASK_ERROR', 'REASON_TASK_INVALID', result.error));
            continue;
          }
          const { task, taskResources, executorResources, newExecutor } = result;
          const split = mountSplitError(usable(), taskResources.add(executorResources));
          if (split !== undefined) {
            this.tasks.send(framework, this.tasks.masterStatus({ task_id: task.task_id, agent_id: { value: agent.id } }, 'TASK_ERROR', 'REASON_TASK_INVALID', split));
            continue;
          }
          // run_tasks: the framework's principal may run this task as its user (CommandInfo.user, else FrameworkInfo.user).
          const user = task.command?.user ?? task.executor?.command?.user ?? framework.info.user;
          const allowed = this.ctx.authorizer.authorize('run_tasks', framework.info.principal, user);
          if (!allowed.allowed) {
            this.ctx.state.count('master/unauthorized_tasks');
            this.tasks.send(framework, this.tasks.masterStatus({ task_id: task.task_id, agent_id: { value: agent.id } }, 'TASK_ERROR', 'REASON_TASK_UNAUTHORIZED', allowed.message));
            continue;
          }
          this.#additionalShared(framework, agent, taskResources.add(executorResources), available);
          available = available.subtract(taskResources.add(executorResources));
          taskIds.add(task.task_id.value);
          if (newExecutor !== undefined) {
            executors.set(newExecutor.executor_id.value, newExecutor);
            this.ctx.apply(executorBooks.launch(framework, agent, newExecutor, executorResources));
          }
          this.tasks.launched(framework, agent, task, taskResources);
          this.ctx.toAgent(agent, 'run_task', {
            framework: { ...framework.info, id: { value: framework.id } },
            framework_id: { value: framework.id },
            task,
            ...(framework.connection?.kind === 'actor' ? { pid: framework.connection.id } : {}),
            ...(task.executor ? { executor: task.executor } : {}),
          });
        }
      } else if (op?.type === 'LAUNCH_GROUP') {
        const before = usable();
        const left = launchGroup(this.ctx, this.tasks, framework, agent, op, { role: check.role, taskIds, executors }, before);
        this.#additionalShared(framework, agent, before.subtract(left), available);
        available = available.subtract(before.subtract(left));
      } else if (op !== undefined && op !== null && RESOURCE_OPERATIONS.has(op.type)) {
        const done = this.resourceOps.offer(framework, agent, op, check.role, available);
        if (done.ok) {
          available = done.available;
          offeredShared = available.shared();
        }
      } else {
        this.#unsupported(framework, op);
      }
    }
    if (!available.isEmpty()) this.ctx.allocator.recoverResources(framework.id, agent.id, available.json(), refuse);
  }

  /**
   * Copies of shared resources a launch uses beyond those left of the offers (a second task on the shared volume
   * one task took): allocated to the framework too, as Mesos's master does, so the allocator counts every user.
   */
  #additionalShared(framework: Framework, agent: Agent, consumed: Resources, available: Resources): void {
    const additional = consumed.shared().subtract(available.shared());
    if (additional.isEmpty()) return;
    this.ctx.logger.info(`framework ${framework.id}: allocating additional '${additional.toString()}' on agent ${agent.id}`);
    this.ctx.allocator.updateAllocation(framework.id, agent.id, [], additional.toJSONWithCopies());
  }

  /** An operation this master does not carry out: dropped (OPERATION_ERROR when it has an id), its resources returned; no ERROR event, which v1 clients take as fatal. */
  #unsupported(framework: Framework, op: OfferOperation | undefined): void {
    this.ctx.state.count('master/operations_not_supported');
    if (op === undefined || op === null) return;
    const why = `operation ${op.type ?? '(no type)'} is not supported by this master; its resources were returned unused`;
    // Tasks it would have launched (a LAUNCH_GROUP) hear why, as for any task that cannot be launched.
    for (const task of launchedTasks([op])) this.tasks.send(framework, this.tasks.masterStatus({ task_id: task?.task_id ?? { value: '' } }, 'TASK_ERROR', 'REASON_TASK_INVALID', why));
    this.resourceOps.refuse(framework, op, why);
  }
}

function launchedTasks(operations: readonly OfferOperation[]): TaskInfo[] {
  return operations.flatMap((op) => (op?.type === 'LAUNCH' ? (op.launch?.task_infos ?? []) : op?.type === 'LAUNCH_GROUP' ? (op.launch_group?.task_group?.tasks ?? []) : []));
}

function refuseSecondsOf(filters: { refuse_seconds?: number } | undefined, fallback: number): number {
  const s = filters?.refuse_seconds;
  return typeof s === 'number' && Number.isFinite(s) && s >= 0 ? s : fallback;
}

function splitAddress(pid: string): [string, number] {
  const address = pid.slice(pid.indexOf('@') + 1);
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}

/** The framework has (or had, among its recent completed tasks) a task with this id. */
function knownTask(framework: Framework, taskId: string): boolean {
  if (framework.tasks.has(taskId)) return true;
  return framework.completedTasks.someWithKey(taskId);
}

/** The pre-refinement form of each `Resources.json()` offered, made once (the offers of alike agents share one). */
const preRefined = new WeakMap<readonly Resource[], readonly Resource[]>();

/** An offer's resources as its framework reads them: shared, frozen arrays, made once per Resources object. */
function offeredJson(r: Resources, refinement: boolean): readonly Resource[] {
  if (r.hasShared()) {
    // Each shared resource once, whatever its copies (toJSON), unlike json().
    const json = r.toJSON();
    return refinement ? json : json.map(preRefinement);
  }
  const json = r.json();
  if (refinement) return json;
  let pre = preRefined.get(json);
  if (pre === undefined) preRefined.set(json, (pre = Object.freeze(json.map((x) => Object.freeze(preRefinement(x))))));
  return pre;
}

/** An outstanding offer as the v1 API shows it (scheduler OFFERS events, the operator API's GET_FRAMEWORKS). */
export function offerMessage(o: OutstandingOffer, agent: Agent, framework: Framework, unavailability?: Offer['unavailability']): Offer {
  const [host, port] = splitAddress(agent.pid);
  const executors = framework.executors.get(agent.id);
  return {
    id: { value: o.id },
    framework_id: { value: o.frameworkId },
    agent_id: { value: o.agentId },
    hostname: agent.hostname,
    url: { scheme: 'http', address: { hostname: agent.hostname, ip: host, port }, path: `/${agent.pid.slice(0, agent.pid.indexOf('@'))}` },
    // As Mesos: a framework without RESERVATION_REFINEMENT gets the old `role` + `reservation` form.
    resources: offeredJson(o.resources, framework.hasCapability('RESERVATION_REFINEMENT')),
    attributes: agent.info.attributes ?? [],
    ...(executors && executors.size > 0 ? { executor_ids: [...executors.keys()].map((value) => ({ value })) } : {}),
    ...(unavailability !== undefined ? { unavailability } : {}),
    allocation_info: { role: o.role },
  };
}
