/**
 * Mesos's per-framework metrics (docs/monitoring.md, "Per-framework"):
 * `master/frameworks/<url-encoded name>/<id>/...`:
 *
 *   subscribed                      1 while its scheduler is connected
 *   calls, calls/<call>             scheduler calls (accept, decline, kill, ...)
 *   events, events/<event>          events sent to it (offers, update, rescind, heartbeat, ...)
 *   offers/sent, accepted, declined, rescinded
 *   operations, operations/<type>   offer operations of its ACCEPTs (launch, reserve, ...)
 *   tasks/active/<state>            its tasks not terminal now, by state (task_running, ...)
 *   tasks/terminal/<state>          its terminal tasks the master still holds, by state
 *   roles/<role>/suppressed         1 while offers for the role are suppressed
 *
 * Counted as the master handles each call and sends each event; names come
 * from the master's own protocol, never from input.
 */
import { isTerminal } from '../protocol/task-states.js';
import type { MasterToScheduler } from '../protocol/messages/master-scheduler.js';
import type { SchedulerToMaster } from '../protocol/messages/master-scheduler.js';
import type { Framework } from './framework.js';
import { metricNames } from './metric-names.js';

/** The v1 event type of each message the master sends a scheduler, lower-cased as Mesos's metric names have it. */
const EVENT_NAMES: Readonly<Record<keyof MasterToScheduler & string, string>> = {
  subscribed: 'subscribed',
  offers: 'offers',
  rescind: 'rescind',
  status_update: 'update',
  framework_message: 'message',
  failure: 'failure',
  error: 'error',
  heartbeat: 'heartbeat',
  framework_error: 'error',
  agent_lost: 'failure',
  task_unknown: 'update',
  inverse_offers: 'inverse_offers',
  rescind_inverse_offer: 'rescind_inverse_offer',
  update_operation_status: 'update_operation_status',
};

const callName = metricNames('calls/');
const operationName = metricNames('operations/', (type) => type.toLowerCase());
const eventName = metricNames('events/');

export function countCall<N extends keyof SchedulerToMaster & string>(f: Framework, name: N, body: SchedulerToMaster[N]): void {
  f.count('calls');
  f.count(callName(name));
  if (name === 'accept') {
    const b = body as SchedulerToMaster['accept'];
    f.count('offers/accepted', b.offer_ids?.length ?? 0);
    for (const op of b.operations ?? []) {
      f.count('operations');
      if (typeof op.type === 'string') f.count(operationName(op.type));
    }
  } else if (name === 'decline') {
    f.count('offers/declined', (body as SchedulerToMaster['decline']).offer_ids?.length ?? 0);
  }
}

export function countEvent<N extends keyof MasterToScheduler & string>(f: Framework, name: N, body: MasterToScheduler[N]): void {
  const event = EVENT_NAMES[name] ?? name;
  f.count('events');
  f.count(eventName(event));
  if (name === 'offers') f.count('offers/sent', (body as MasterToScheduler['offers']).offers?.length ?? 0);
  else if (name === 'rescind') f.count('offers/rescinded');
}

export function frameworkMetrics(frameworks: Iterable<Framework>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of frameworks) {
    const prefix = `master/frameworks/${encodeURIComponent(f.info.name)}/${f.id}`;
    out[`${prefix}/subscribed`] = f.connected ? 1 : 0;
    for (const name of ['calls', 'events', 'operations', 'offers/sent', 'offers/accepted', 'offers/declined', 'offers/rescinded']) out[`${prefix}/${name}`] = 0;
    for (const [name, n] of f.counters) out[`${prefix}/${name}`] = n;
    for (const t of [...f.tasks.values(), ...f.completedTasks.items()]) {
      const key = `${prefix}/tasks/${isTerminal(t.state) ? 'terminal' : 'active'}/${t.state.toLowerCase()}`;
      out[key] = (out[key] ?? 0) + 1;
    }
    for (const role of f.roles) out[`${prefix}/roles/${role}/suppressed`] = f.suppressedRoles.has(role) ? 1 : 0;
  }
  return out;
}
