/**
 * The task ids in use while one ACCEPT (or one task group) is checked: the
 * framework's tasks, plus those launched earlier in it. The framework's own
 * ids are read where they are, not copied: at 50k agents a framework holds
 * hundreds of tasks, and copying them for every ACCEPT was the largest cost
 * of a launch in the master's profile.
 */
export class TaskIdsInUse {
  readonly #added = new Set<string>();

  constructor(private readonly base: { has(id: string): boolean }) {}

  has(id: string): boolean {
    return this.#added.has(id) || this.base.has(id);
  }

  add(id: string): void {
    this.#added.add(id);
  }
}
