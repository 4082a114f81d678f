/**
 * An agent's available resources split by reservation role, for stage 2: what each role may be
 * offered (the unreserved part plus what is reserved to it or an ancestor) without filtering the
 * resources anew for every role, and what is left after a give, made once and reused.
 */
import type { Resources } from '../../protocol/resources.js';
import type { QuantityIndex } from './sorter.js';
import { EMPTY } from './state.js';
import { isAllocatable } from './types.js';

/** What is reserved to one role in an agent's available resources. */
export interface ReservedPart {
  readonly role: string;
  /** `role + '/'`: its subroles start so. */
  readonly prefix: string;
  readonly part: Resources;
  /** `part`'s quantities as a sparse vector. */
  readonly sparse: readonly number[];
  /** The split's unreserved part plus `part`: what a role under this reservation alone is offered (made once). */
  withUnreserved: Resources | undefined;
  /** The split of `part` alone: what is left once everything else here is given (made once). */
  alone: ReservationSplit | undefined;
}

/** Available resources split by reservation role, for stage 2; kept on the agent while `of` is its available. */
export interface ReservationSplit {
  readonly of: Resources;
  readonly unreserved: Resources;
  /** Whether the unreserved part is worth an offer on its own. */
  readonly unreservedAllocatable: boolean;
  readonly reserved: readonly ReservedPart[];
}

export function splitByReservation(available: Resources, q: QuantityIndex): ReservationSplit {
  const reserved: ReservedPart[] = [];
  for (const role of available.reservationRoles()) {
    if (role === '*') continue;
    const part = available.reserved(role);
    reserved.push({ role, prefix: `${role}/`, part, sparse: q.vector(part.quantities()), withUnreserved: undefined, alone: undefined });
  }
  // With one reservation, what a role under it is offered is everything: `available` itself, not a copy, so
  // a decline of it filters that object (the agent's total, while all is back) and FilterBook.filtered knows
  // such a filter covers whatever is offered here without comparing.
  if (reserved.length === 1) reserved[0]!.withUnreserved = available;
  const unreserved = available.unreserved();
  return { of: available, unreserved, unreservedAllocatable: isAllocatable(unreserved), reserved };
}

const reservedFor = (r: ReservedPart, role: string): boolean => role === r.role || role.startsWith(r.prefix);

/**
 * `available.allocatableTo(role)` from the split: the unreserved part itself when nothing here is reserved to
 * the role or an ancestor (isStrictSubrole(role, r) is role.startsWith(r + '/')); undefined when that is not
 * worth an offer, so a role that cannot use what is left costs a string compare or two.
 */
export function allocatableFor(split: ReservationSplit, role: string): Resources | undefined {
  let one: ReservedPart | undefined;
  let out: Resources | undefined;
  const parts = split.reserved;
  for (let i = 0; i < parts.length; i++) {
    const r = parts[i]!;
    if (!reservedFor(r, role)) continue;
    if (one === undefined) one = r;
    else out = (out ?? withUnreserved(split, one)).add(r.part);
  }
  if (one === undefined) return split.unreservedAllocatable ? split.unreserved : undefined;
  return out ?? withUnreserved(split, one);
}

function withUnreserved(split: ReservationSplit, r: ReservedPart): Resources {
  return (r.withUnreserved ??= split.unreserved.isEmpty() ? r.part : split.unreserved.add(r.part));
}

const NO_SPARSE: readonly number[] = Object.freeze([]);

/**
 * The quantities reserved to `role` or an ancestor in the split (sparse, maybe repeating indices): with one
 * such reservation (the common case) its own vector, not a copy.
 */
export function reservedSparseFor(split: ReservationSplit, role: string): readonly number[] {
  let one: readonly number[] | undefined;
  let out: number[] | undefined;
  const parts = split.reserved;
  for (let i = 0; i < parts.length; i++) {
    const r = parts[i]!;
    if (!reservedFor(r, role)) continue;
    if (one === undefined) one = r.sparse;
    else (out ??= [...one]).push(...r.sparse);
  }
  return out ?? one ?? NO_SPARSE;
}

const NOTHING_LEFT: ReservationSplit = { of: EMPTY, unreserved: EMPTY, unreservedAllocatable: false, reserved: [] };

/**
 * What is left after `role` was given all `allocatableFor(split, role)` (the unreserved part and the
 * reservations at or above the role), when that is at most one reservation: a split made once, whose `of`
 * becomes the agent's available resources, so the same remainder is the same object cycle after cycle.
 * Undefined when several reservations are left.
 */
export function restSplit(split: ReservationSplit, role: string): ReservationSplit | undefined {
  let left: ReservedPart | undefined;
  const parts = split.reserved;
  for (let i = 0; i < parts.length; i++) {
    const r = parts[i]!;
    if (reservedFor(r, role)) continue;
    if (left !== undefined) return undefined;
    left = r;
  }
  if (left === undefined) return NOTHING_LEFT;
  if (left.alone === undefined) {
    const own: ReservedPart = { ...left, withUnreserved: left.part, alone: undefined };
    own.alone = left.alone = { of: left.part, unreserved: EMPTY, unreservedAllocatable: false, reserved: [own] };
  }
  return left.alone;
}

/** The split after `role` was given all `allocatableFor(split, role)`: the reservations to roles not at or above it. */
export function splitAfterGive(split: ReservationSplit, role: string, available: Resources): ReservationSplit {
  const reserved: ReservedPart[] = [];
  for (const r of split.reserved) if (!reservedFor(r, role)) reserved.push({ ...r, withUnreserved: undefined, alone: undefined });
  return { of: available, unreserved: EMPTY, unreservedAllocatable: false, reserved };
}

