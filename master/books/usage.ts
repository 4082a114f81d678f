/**
 * What the books hold, kept as they change rather than walked when asked:
 * the resources allocated per role (what the frameworks' tasks and executors
 * use, allocation stripped; `/master/roles`, GET_ROLES) and the tasks on
 * registered agents per state (`master/tasks_*`). The records write to it:
 * a framework in the books reports what it uses (framework.ts `addUsed`,
 * `removeUsed`), an agent in the books the tasks it holds (agent.ts); they
 * are attached when they enter the books and detached when they leave.
 * A test compares it with a full recomputation after random transitions
 * (test/usage.property.test.ts).
 */
import { Resources, type Resource } from '../../protocol/resources.js';
import { isTerminal, type TaskState } from '../../protocol/task-states.js';

/** The scalars the master's metrics sum (`master/<name>_total`, `_used`, ...). */
export const METRIC_SCALARS = ['cpus', 'gpus', 'mem', 'disk'] as const;

export class UsageIndex {
  readonly #byRole = new Map<string, Resources>();
  readonly #tasks = new Map<TaskState, number>();
  /** The registered agents' totals, per METRIC_SCALARS, in integer thousandths. */
  readonly #totalMilli = METRIC_SCALARS.map(() => 0);
  /** Registered agents that are offered (connected, not deactivated or draining). */
  activeAgents = 0;

  /** What `role` is allocated (empty when nothing). */
  allocated(role: string): Resources {
    return this.#byRole.get(role) ?? Resources.empty();
  }

  /** Every role with something allocated. */
  roles(): IterableIterator<[string, Resources]> {
    return this.#byRole.entries();
  }

  /** Tasks in `state` on registered agents (terminal states are not counted: those tasks hold nothing). */
  tasks(state: TaskState): number {
    return this.#tasks.get(state) ?? 0;
  }

  /** A framework (its roles: `fallbackRole` for resources without allocation info) holds `resources` more (+1) or less (-1). */
  use(resources: Resources, fallbackRole: string, sign: 1 | -1): void {
    const byRole = new Map<string, Resource[]>();
    for (const r of resources.toJSON()) {
      const role = r.allocation_info?.role ?? fallbackRole;
      let list = byRole.get(role);
      if (list === undefined) byRole.set(role, (list = []));
      list.push(r);
    }
    for (const [role, list] of byRole) {
      const part = Resources.of(list).unallocate();
      const now = sign > 0 ? this.allocated(role).add(part) : this.allocated(role).subtract(part);
      if (now.isEmpty()) this.#byRole.delete(role);
      else this.#byRole.set(role, now);
    }
  }

  /** A registered agent's total, per METRIC_SCALARS. */
  total(): number[] {
    return this.#totalMilli.map((m) => m / 1000);
  }

  /** What every role is allocated, per METRIC_SCALARS. */
  used(): number[] {
    const milli = METRIC_SCALARS.map(() => 0);
    for (const r of this.#byRole.values()) METRIC_SCALARS.forEach((name, i) => (milli[i]! += r.milli(name)));
    return milli.map((m) => m / 1000);
  }

  /** A registered agent's total counts (+1) or no longer does (-1). */
  agentTotal(total: Resources, sign: 1 | -1): void {
    METRIC_SCALARS.forEach((name, i) => (this.#totalMilli[i]! += sign * total.milli(name)));
  }

  /** A task on a registered agent enters `state` (+1) or leaves it (-1). */
  task(state: TaskState, sign: 1 | -1): void {
    if (isTerminal(state)) return;
    const n = (this.#tasks.get(state) ?? 0) + sign;
    if (n === 0) this.#tasks.delete(state);
    else this.#tasks.set(state, n);
  }
}
