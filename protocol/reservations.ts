/**
 * Resources math of dynamic reservations (and the volumes built on them):
 * what RESERVE and UNRESERVE consume and produce, the checks Mesos makes of
 * them, and the part of an agent's total it checkpoints
 * (`checkpointed_resources`: dynamically reserved resources and persistent
 * volumes) applied back onto its `--resources`.
 *
 *   --resources ──applyCheckpointed(checkpointed)──► total the master offers
 *   RESERVE r:   total - r.popReservation() + r
 *   UNRESERVE r: total - r + r.popReservation()
 */
import { ProtocolError } from './errors.js';
import { Resources, type Resource } from './resources.js';

/** What an operation takes out of an agent's resources and what it puts back in their place. */
export interface Conversion {
  readonly consumed: Resources;
  readonly converted: Resources;
}

/** The innermost reservation is a dynamic one (made by RESERVE, undone by UNRESERVE). */
export function isDynamicallyReserved(r: Resource): boolean {
  const res = r.reservations;
  return res !== undefined && res.length > 0 && res[res.length - 1]!.type === 'DYNAMIC';
}

/** A disk resource with `disk.persistence` set (CREATE made it). */
export function isPersistentVolume(r: Resource): boolean {
  const disk = r.disk as { persistence?: unknown } | undefined;
  return r.name === 'disk' && disk !== undefined && disk !== null && typeof disk === 'object' && disk.persistence !== undefined && disk.persistence !== null;
}

/** The part of an agent's total it checkpoints and reports: dynamically reserved resources and persistent volumes. */
export function checkpointedPart(total: Resources): Resources {
  return total.filter((r) => isDynamicallyReserved(r) || isPersistentVolume(r));
}

/** A resource as `--resources` declares it: its dynamic reservations popped, its volume info (persistence, volume) dropped. */
export function staticForm(resources: Resources): Resources {
  return Resources.of(
    resources.toJSON().map((r) => {
      const out: Resource = { ...r };
      const reservations = [...(r.reservations ?? [])];
      while (reservations.length > 0 && reservations[reservations.length - 1]!.type === 'DYNAMIC') reservations.pop();
      if (reservations.length > 0) out.reservations = reservations;
      else delete out.reservations;
      if (isPersistentVolume(r)) {
        const { persistence: _p, volume: _v, ...rest } = r.disk as Record<string, unknown>;
        if (Object.keys(rest).length > 0) out.disk = rest;
        else delete out.disk;
        delete out.shared;
      }
      return out;
    }),
  );
}

/**
 * The agent's total: its static resources with the checkpointed ones in
 * place of what they were made from. Throws E_BAD_RESOURCES naming what the
 * static resources lack (an agent restarted with smaller `--resources`).
 */
export function applyCheckpointed(statics: Resources, checkpointed: Resources): Resources {
  const base = staticForm(checkpointed);
  if (!statics.contains(base)) {
    throw new ProtocolError('E_BAD_RESOURCES', `the checkpointed resources '${checkpointed.toString()}' need '${base.toString()}', which the agent's resources '${statics.toString()}' do not contain`);
  }
  return statics.subtract(base).add(checkpointed);
}

export interface ReserveCheck {
  /** The principal making the reservation (the framework's, or the operator's when authenticated). */
  readonly principal?: string | undefined;
  /** A framework's reservations are to the role the offer was allocated to. */
  readonly allocationRole?: string | undefined;
  /** The framework has RESERVATION_REFINEMENT (operators always may refine). */
  readonly refinement: boolean;
}

/** Why RESERVE of `resources` is refused, or undefined. */
export function reserveError(resources: Resources, check: ReserveCheck): string | undefined {
  if (resources.isEmpty()) return 'RESERVE needs resources to reserve';
  for (const r of resources.toJSON()) {
    const what = `'${Resources.of([r]).toString()}'`;
    if (!isDynamicallyReserved(r)) return `resource ${what} must be dynamically reserved (its innermost reservation must be DYNAMIC)`;
    const reservation = r.reservations![r.reservations!.length - 1]!;
    if (isPersistentVolume(r)) return `resource ${what} is a persistent volume: reserve the disk, then CREATE the volume`;
    if (r.revocable !== undefined) return `resource ${what} is revocable and cannot be reserved`;
    if (r.reservations!.length > 1 && !check.refinement) return `resource ${what} refines a reservation, which needs the RESERVATION_REFINEMENT capability`;
    if (check.principal !== undefined && reservation.principal !== check.principal) {
      return reservation.principal === undefined
        ? `resource ${what} has no reservation principal, but the reservation is made by principal '${check.principal}'`
        : `resource ${what} is reserved with principal '${reservation.principal}', but the reservation is made by principal '${check.principal}'`;
    }
    if (check.allocationRole !== undefined && reservation.role !== check.allocationRole) {
      return `resource ${what} is reserved to role '${reservation.role}', but it was offered to role '${check.allocationRole}'`;
    }
  }
  return undefined;
}

/** Why UNRESERVE of `resources` is refused, or undefined. */
export function unreserveError(resources: Resources): string | undefined {
  if (resources.isEmpty()) return 'UNRESERVE needs resources to unreserve';
  for (const r of resources.toJSON()) {
    const what = `'${Resources.of([r]).toString()}'`;
    if (!isDynamicallyReserved(r)) return `resource ${what} is not dynamically reserved`;
    if (isPersistentVolume(r)) return `resource ${what} is a persistent volume: DESTROY it before unreserving its disk`;
  }
  return undefined;
}

/** RESERVE: each resource is made from itself with its innermost reservation popped. */
export function reserveConversion(resources: Resources): Conversion {
  return { consumed: resources.popReservation(), converted: resources };
}

/** UNRESERVE: each resource goes back to what it was reserved from. */
export function unreserveConversion(resources: Resources): Conversion {
  return { consumed: resources, converted: resources.popReservation() };
}

/** `from` with the conversion applied; undefined when `from` does not hold what it consumes. */
export function applyConversion(from: Resources, c: Conversion): Resources | undefined {
  if (!from.contains(c.consumed)) return undefined;
  return from.subtract(c.consumed).add(c.converted);
}

/**
 * A resource in the pre-refinement format (Mesos's PRE_RESERVATION_REFINEMENT), as the master sends offers to a
 * framework without RESERVATION_REFINEMENT: `role` ('*' when unreserved) and, for a dynamic reservation,
 * `reservation` with its principal and labels, instead of the `reservations` stack. A refined reservation (a
 * stack of more than one) has no such form: it is returned unchanged (the allocator never offers one to such
 * a framework).
 */
export function preRefinement(r: Resource): Resource {
  const stack = r.reservations ?? [];
  if (stack.length > 1) return r;
  const { reservations: _stack, ...rest } = r;
  const one = stack[0];
  if (one === undefined) return { ...rest, role: '*' };
  const out: Resource = { ...rest, role: one.role };
  if (one.type === 'DYNAMIC') out.reservation = { ...(one.principal !== undefined ? { principal: one.principal } : {}), ...(one.labels !== undefined ? { labels: one.labels } : {}) };
  return out;
}
