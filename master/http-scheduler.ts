/**
 * The Mesos v1 scheduler HTTP API: `POST /api/v1/scheduler` (also at
 * /master/api/v1/scheduler). SUBSCRIBE opens a chunked RecordIO stream of
 * events (`<length>\n<json>`, one record per chunk) identified by its
 * `Mesos-Stream-Id`; every other call is answered 202 (UPDATE_FRAMEWORK 200)
 * and carried out by the same code as the SDK driver's messages, so HTTP and
 * actor frameworks share the master, the allocator, offers and tasks.
 */
import type { ChunkWriter, HttpRequest, HttpResponse, Timer } from 'libprocess-ts';
import { decode, encode, recordio as record } from '../protocol/json/index.js';
import type { MasterToScheduler } from '../protocol/messages/master-scheduler.js';
import { speaksProtobuf } from '../protocol/proto/http.js';
import type { SchedulerCall, SchedulerEvent } from '../protocol/scheduler.js';
import type { SchedulerConnection } from './connection.js';
import type { Framework } from './framework.js';
import type { FrameworkCall } from './master.js';
import type { SchedulerApiHost } from './view.js';

const text = (status: number, message: string): HttpResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${message}\n` });

/** A master-to-scheduler message as the v1 event it becomes (undefined: not sent over HTTP). */
export function toEvent<N extends keyof MasterToScheduler>(name: N, body: MasterToScheduler[N]): SchedulerEvent | undefined {
  const b = body as never;
  switch (name) {
    case 'subscribed':
      return { type: 'SUBSCRIBED', subscribed: b };
    case 'offers':
      return { type: 'OFFERS', offers: b };
    case 'rescind':
      return { type: 'RESCIND', rescind: b };
    case 'inverse_offers':
      return { type: 'INVERSE_OFFERS', inverse_offers: b };
    case 'rescind_inverse_offer':
      return { type: 'RESCIND_INVERSE_OFFER', rescind_inverse_offer: b };
    case 'status_update':
      return { type: 'UPDATE', update: b };
    case 'framework_message':
      return { type: 'MESSAGE', message: b };
    case 'failure':
      return { type: 'FAILURE', failure: b };
    case 'agent_lost':
      return { type: 'FAILURE', failure: { agent_id: (body as MasterToScheduler['agent_lost']).agent_id } };
    case 'error':
    case 'framework_error':
      return { type: 'ERROR', error: { message: (body as { message: string }).message } };
    case 'heartbeat':
      return { type: 'HEARTBEAT' };
    case 'update_operation_status':
      return { type: 'UPDATE_OPERATION_STATUS', update_operation_status: b };
    default:
      return undefined;
  }
}

/** One RecordIO record of an event (the framing is shared with the agent's executor API: protocol/json/recordio.ts). */
export function recordio(event: SchedulerEvent): string {
  return record(encode('scheduler.Event', event));
}

/** A scheduler subscribed over HTTP: events go out on its chunked response. */
class HttpConnection implements SchedulerConnection {
  readonly kind = 'http' as const;
  #heartbeat: Timer | undefined;
  closed = false;

  constructor(readonly id: string, readonly principal: string | undefined, private readonly writer: ChunkWriter, private readonly onClosed: () => void) {
    writer.onClose(() => this.#closed());
  }

  send<N extends keyof MasterToScheduler & string>(name: N, body: MasterToScheduler[N]): void {
    if (this.closed) return;
    const event = toEvent(name, body);
    if (event !== undefined) this.writer.write(recordio(event));
    if (name === 'framework_error') this.close();
  }

  heartbeatEvery(ms: number, delay: (ms: number, fn: () => void) => Timer): void {
    const beat = (): void => {
      if (this.closed) return;
      this.send('heartbeat', {});
      this.#heartbeat = delay(ms, beat);
    };
    beat();
  }

  close(): void {
    if (this.closed) return;
    this.writer.end();
    this.#closed();
  }

  #closed(): void {
    if (this.closed) return;
    this.closed = true;
    this.#heartbeat?.cancel();
    this.onClosed();
  }
}

const CALLS: Partial<Record<SchedulerCall['type'], { name: FrameworkCall; field: keyof SchedulerCall | undefined }>> = {
  TEARDOWN: { name: 'teardown', field: undefined },
  ACCEPT: { name: 'accept', field: 'accept' },
  DECLINE: { name: 'decline', field: 'decline' },
  REVIVE: { name: 'revive', field: undefined },
  SUPPRESS: { name: 'suppress', field: undefined },
  KILL: { name: 'kill', field: 'kill' },
  SHUTDOWN: { name: 'shutdown', field: 'shutdown' },
  ACKNOWLEDGE: { name: 'acknowledge', field: 'acknowledge' },
  RECONCILE: { name: 'reconcile', field: 'reconcile' },
  MESSAGE: { name: 'message', field: 'message' },
  UPDATE_FRAMEWORK: { name: 'update', field: 'update_framework' },
  ACCEPT_INVERSE_OFFERS: { name: 'accept_inverse_offers', field: 'accept_inverse_offers' },
  DECLINE_INVERSE_OFFERS: { name: 'decline_inverse_offers', field: 'decline_inverse_offers' },
  ACKNOWLEDGE_OPERATION_STATUS: { name: 'acknowledge_operation_status', field: 'acknowledge_operation_status' },
  RECONCILE_OPERATIONS: { name: 'reconcile_operations', field: 'reconcile_operations' },
};

export function installSchedulerApi(master: SchedulerApiHost, newStreamId: () => string): void {
  const handle = (req: HttpRequest): HttpResponse => {
    const who = master.auth.authenticate(req, 'scheduler');
    if ('response' in who) return who.response;
    if (req.method !== 'POST') return { status: 405, headers: { allow: 'POST' }, body: `Expecting 'POST', received '${req.method}'\n` };
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (contentType !== 'application/json') return text(415, `Expecting 'Content-Type' of application/json, received '${contentType || '(none)'}'`);
    const accept = req.headers['accept'];
    if (accept !== undefined && !/(application\/json|application\/recordio|\*\/\*)/.test(accept)) return text(406, `Expecting 'Accept' to allow application/json, received '${accept}'`);
    let call: SchedulerCall;
    try {
      call = decode('scheduler.Call', JSON.parse(req.body.toString('utf8')));
    } catch (err) {
      const why = err instanceof SyntaxError ? `Failed to parse body into JSON: ${err.message}` : `Failed to convert JSON into Call: ${(err as Error).message}`;
      return text(400, why);
    }
    if (call.type === 'SUBSCRIBE') return subscribe(call, who.principal);
    const frameworkId = call.framework_id?.value;
    if (frameworkId === undefined) return text(400, `Expecting 'framework_id' to be present for a ${call.type} call`);
    const framework = master.state.frameworks.get(frameworkId);
    if (framework === undefined || !framework.connected || framework.connection?.kind !== 'http') {
      return text(403, `Framework ${frameworkId} is not subscribed (over HTTP)`);
    }
    const streamId = req.headers['mesos-stream-id'];
    if (streamId === undefined) return text(400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    if (streamId !== framework.connection.id) return text(400, `The stream ID '${streamId}' included in this request didn't match the stream ID currently associated with framework ID ${frameworkId}`);
    if (who.principal !== framework.connection.principal) {
      master.state.count('master/api/scheduler/wrong_principal');
      return text(403, `Framework ${frameworkId} subscribed as principal '${framework.connection.principal ?? '(none)'}'; this call comes from '${who.principal ?? '(none)'}'`);
    }
    master.state.count(`master/api/scheduler/${call.type.toLowerCase()}`);
    switch (call.type) {
      case 'REQUEST':
        return { status: 202 }; // nothing to do: no resource requests here
      default:
        break;
    }
    const mapping = CALLS[call.type];
    if (mapping === undefined) return text(400, `Unknown call type ${call.type}`);
    let body: unknown;
    if (mapping.field !== undefined) {
      body = call[mapping.field];
      if (body === undefined) return text(400, `Expecting '${mapping.field}' to be present`);
    } else {
      body = call.type === 'REVIVE' ? (call.revive ?? {}) : call.type === 'SUPPRESS' ? (call.suppress ?? {}) : {};
    }
    const error = master.call(framework, mapping.name, { ...(body as object), framework_id: { value: frameworkId } } as never);
    if (error !== undefined) return text(400, error);
    return { status: call.type === 'UPDATE_FRAMEWORK' ? 200 : 202 };
  };

  const subscribe = (call: SchedulerCall, principal: string | undefined): HttpResponse => {
    const sub = call.subscribe;
    if (sub === undefined) return text(400, "Expecting 'subscribe' to be present");
    const id = sub.framework_info.id?.value;
    if (call.framework_id?.value !== id) return text(400, "'framework_id' differs from 'subscribe.framework_info.id'");
    const why = master.frameworks.invalid(sub.framework_info);
    if (why !== undefined) return text(400, `Framework is invalid: ${why}`);
    if (id !== undefined && master.state.removedFrameworkIds.has(id)) return text(403, `Framework ${id} has been removed`);
    const admitted = master.frameworks.admission(sub.framework_info, principal);
    if ('error' in admitted) {
      master.state.count('master/unauthorized_framework_subscriptions');
      return text(403, admitted.error);
    }
    const streamId = newStreamId();
    master.state.count('master/api/scheduler/subscribe');
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'mesos-stream-id': streamId, 'cache-control': 'no-cache' },
      stream: (writer) => {
        let framework: Framework | undefined;
        const connection = new HttpConnection(streamId, principal, writer, () => {
          if (framework !== undefined && framework.connection === connection) master.frameworks.disconnected(framework);
        });
        framework = master.frameworks.subscribe(connection, sub.framework_info, sub.suppressed_roles ?? []);
        if (framework !== undefined) connection.heartbeatEvery(master.flags.heartbeatIntervalSeconds * 1000, (ms, fn) => master.delay(ms, fn));
      },
    };
  };

  const isSubscribe = (call: Record<string, unknown>): boolean => call['type'] === 'SUBSCRIBE';
  master.route('/api/v1/scheduler', speaksProtobuf({ call: 'scheduler.Call', event: 'scheduler.Event', streaming: isSubscribe }, handle));
  master.runtime.http.alias('/api/v1/scheduler', `/${master.pid.id}/api/v1/scheduler`);
}
