/**
 * The operator's reservation calls: `RESERVE_RESOURCES` and
 * `UNRESERVE_RESOURCES` of the v1 operator API, and Mesos's classic
 * `POST /master/reserve` and `/master/unreserve` (form fields `slaveId` and
 * `resources`, a JSON array of Resource). Checked at the edge (resources
 * valid, dynamically reserved, the reservation's principal the one that
 * authenticated, --acls `reserve_resources` / `unreserve_resources`), then
 * carried out by the master (resource-conversions.ts): 202 Accepted once the
 * books and the allocator have it; 409 when the resources are in use.
 *
 *   POST /api/v1 {type: RESERVE_RESOURCES}  ─┐
 *   POST /master/reserve slaveId=&resources= ┴─► reservationRequest() ─► operator.convertResources()
 */
import type { HttpRequest, HttpResponse } from 'libprocess-ts';
import { forbidden } from '../protocol/auth/http.js';
import { reserveConversion, reserveError, unreserveConversion, unreserveError, type Conversion } from '../protocol/reservations.js';
import { Resources } from '../protocol/resources.js';
import { createConversion, createError, destroyConversion, destroyError, growConversion, growError, shrinkConversion, shrinkError } from '../protocol/volumes.js';
import { OPERATION_ACTIONS, reservationDenied, volumeInUse } from './operations.js';
import type { OperatorApiHost } from './view.js';

type Json = Record<string, unknown>;
const text = (status: number, message: string): HttpResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${message}\n` });

export type ReservationKind = 'RESERVE' | 'UNRESERVE' | 'CREATE' | 'DESTROY';

/** What an operator asks: `source` only for a RESERVE that changes existing reservations (Mesos 1.7+). */
interface ReservationAsk {
  readonly agentId: unknown;
  readonly resources: unknown;
  readonly source?: unknown;
}

/** Checks and carries out one operator reservation change; the HTTP answer. */
export async function reservationRequest(master: OperatorApiHost, kind: ReservationKind, ask: ReservationAsk, principal: string | undefined, path: string): Promise<HttpResponse> {
  if (typeof ask.agentId !== 'string' || ask.agentId === '') return text(400, `Expecting '${path}.agent_id' to be present`);
  let resources: Resources;
  let source: Resources | undefined;
  try {
    resources = Resources.fromJSON(ask.resources ?? [], `${path}.resources`).unallocate();
    if (ask.source !== undefined && ask.source !== null) source = Resources.fromJSON(ask.source, `${path}.source`).unallocate();
  } catch (err) {
    return text(400, `Invalid resources: ${(err as Error).message}`);
  }
  let conversion: Conversion;
  if (kind === 'RESERVE') {
    const error = reserveError(resources, { principal, refinement: true });
    if (error !== undefined) return text(400, `Invalid RESERVE operation: ${error}`);
    conversion = reserveConversion(resources);
    if (source !== undefined) {
      if (!source.flatten().equals(resources.flatten())) return text(400, `Invalid RESERVE operation: the source '${source.toString()}' and the resources '${resources.toString()}' must be the same resources under other reservations`);
      conversion = { consumed: source, converted: resources };
    }
  } else if (kind === 'UNRESERVE') {
    const error = unreserveError(resources);
    if (error !== undefined) return text(400, `Invalid UNRESERVE operation: ${error}`);
    conversion = unreserveConversion(resources);
  } else {
    const agent = master.state.agents.get(ask.agentId);
    if (agent === undefined) return text(400, `No agent found with specified ID ${ask.agentId}`);
    const error = kind === 'CREATE' ? createError(resources, { principal, shared: true, existing: agent.total }) : destroyError(resources, (v) => volumeInUse(agent, v));
    if (error !== undefined) return text(400, `Invalid ${kind} operation: ${error}`);
    conversion = kind === 'CREATE' ? createConversion(resources) : destroyConversion(resources);
  }
  const denied = reservationDenied(master.auth.authorizer, OPERATION_ACTIONS[kind]!, principal, kind === 'RESERVE' || kind === 'CREATE' ? conversion.converted : conversion.consumed);
  if (denied !== undefined) return forbidden(denied);
  const done = await master.operator.convertResources(ask.agentId, conversion, kind.toLowerCase());
  return done.ok ? { status: 202 } : text(done.status, done.message);
}

/** GROW_VOLUME (by a disk `addition` like the volume's) or SHRINK_VOLUME (by `subtract` MB) of one persistent volume. */
async function resizeRequest(master: OperatorApiHost, call: Json, principal: string | undefined): Promise<HttpResponse> {
  const grow = call['type'] === 'GROW_VOLUME';
  const field = grow ? 'grow_volume' : 'shrink_volume';
  const b = (call[field] ?? {}) as Json;
  const agentId = (b['agent_id'] as { value?: unknown } | undefined)?.value;
  if (typeof agentId !== 'string' || agentId === '') return text(400, `Expecting '${field}.agent_id' to be present`);
  let volume: Resources;
  let addition = Resources.empty();
  try {
    volume = Resources.fromJSON(b['volume'] === undefined ? [] : [b['volume']], `${field}.volume`).unallocate();
    if (grow) addition = Resources.fromJSON(b['addition'] === undefined ? [] : [b['addition']], `${field}.addition`).unallocate();
  } catch (err) {
    return text(400, `Invalid resources: ${(err as Error).message}`);
  }
  const subtract = (b['subtract'] as { value?: unknown } | undefined)?.value;
  const error = grow ? growError(volume, addition) : shrinkError(volume, typeof subtract === 'number' ? subtract : NaN);
  if (error !== undefined) return text(400, `Invalid ${call['type'] as string} operation: ${error}`);
  const denied = reservationDenied(master.auth.authorizer, 'resize_volume', principal, volume);
  if (denied !== undefined) return forbidden(denied);
  const done = await master.operator.convertResources(agentId, grow ? growConversion(volume, addition) : shrinkConversion(volume, subtract as number), grow ? 'grow the volume' : 'shrink the volume');
  return done.ok ? { status: 202 } : text(done.status, done.message);
}

/** RESERVE_RESOURCES / UNRESERVE_RESOURCES of the v1 operator API; undefined for another call. */
export function reservationCall(master: OperatorApiHost, type: string, call: Json, principal: string | undefined): Promise<HttpResponse> | undefined {
  const body = (field: string): Json => {
    const b = call[field];
    return b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Json) : {};
  };
  const agentId = (b: Json): unknown => (b['agent_id'] as { value?: unknown } | undefined)?.value;
  if (type === 'RESERVE_RESOURCES') {
    const b = body('reserve_resources');
    return reservationRequest(master, 'RESERVE', { agentId: agentId(b), resources: b['resources'], source: b['source'] }, principal, 'reserve_resources');
  }
  if (type === 'UNRESERVE_RESOURCES') {
    const b = body('unreserve_resources');
    return reservationRequest(master, 'UNRESERVE', { agentId: agentId(b), resources: b['resources'] }, principal, 'unreserve_resources');
  }
  if (type === 'GROW_VOLUME' || type === 'SHRINK_VOLUME') return resizeRequest(master, call, principal);
  if (type === 'CREATE_VOLUMES' || type === 'DESTROY_VOLUMES') {
    const field = type.toLowerCase();
    const b = body(field);
    return reservationRequest(master, type === 'CREATE_VOLUMES' ? 'CREATE' : 'DESTROY', { agentId: agentId(b), resources: b['volumes'] }, principal, field);
  }
  return undefined;
}

/** `POST /master/reserve` and `/master/unreserve` (form `slaveId=<agent id>&resources=<JSON array>`), `/master/create-volumes` and `/master/destroy-volumes` (`slaveId`, `volumes`), as Mesos. */
export function installReservationRoutes(master: OperatorApiHost): void {
  const route = (kind: ReservationKind, field: 'resources' | 'volumes') => async (req: HttpRequest): Promise<HttpResponse> => {
    const who = master.auth.authenticate(req, 'readwrite');
    if ('response' in who) return who.response;
    if (req.method !== 'POST') return { status: 405, headers: { allow: 'POST' }, body: `Expecting 'POST', received '${req.method}'\n` };
    const form = new URLSearchParams(req.body.toString('utf8'));
    const agentId = form.get('slaveId');
    if (agentId === null || agentId === '') return text(400, "Missing 'slaveId' query parameter in the request body");
    const raw = form.get(field);
    if (raw === null || raw === '') return text(400, `Missing '${field}' query parameter in the request body`);
    let resources: unknown;
    try {
      resources = JSON.parse(raw);
    } catch (err) {
      return text(400, `Failed to parse '${field}' as JSON: ${(err as Error).message}`);
    }
    master.state.count(`master/http/${kind.toLowerCase()}`);
    return reservationRequest(master, kind, { agentId, resources }, who.principal, field);
  };
  master.route('/reserve', route('RESERVE', 'resources'));
  master.route('/unreserve', route('UNRESERVE', 'resources'));
  master.route('/create-volumes', route('CREATE', 'volumes'));
  master.route('/destroy-volumes', route('DESTROY', 'volumes'));
}
