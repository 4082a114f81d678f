/**
 * The Mesos v1 executor HTTP API on the agent: `POST /api/v1/executor`
 * (include/mesos/v1/executor/executor.proto, docs/executor-http-api.md).
 *
 * SUBSCRIBE answers 200 with a chunked RecordIO stream of executor events,
 * one record per chunk: SUBSCRIBED (executor_info, framework_info,
 * agent_info, container_id), then LAUNCH, LAUNCH_GROUP, KILL, ACKNOWLEDGED,
 * MESSAGE, SHUTDOWN, ERROR and a HEARTBEAT every 30 s. UPDATE and MESSAGE
 * answer 202. The agent's own messages to executors (AgentToExecutor) become
 * these events, so an executor over HTTP and one using the driver run tasks
 * through the same code in agent.ts.
 *
 * Bad requests get Mesos's answers: 405 for a method other than POST; 400
 * without Content-Type; 415 for a media type other than JSON; 406 for an
 * Accept that rules out JSON; 400 for malformed JSON or a call that fails
 * validation (naming the field); 400 for an unknown framework or executor;
 * 403 for a call other than SUBSCRIBE from an executor not subscribed; 503
 * while the agent recovers; 501 for an UNKNOWN call.
 */
import type { ChunkWriter, HttpRequest, HttpResponse, Timer } from 'libprocess-ts';
import { decode, encode, recordio, type ExecutorCall, type ExecutorEvent } from '../protocol/json/index.js';
import { speaksProtobuf } from '../protocol/proto/http.js';
import type { AgentToExecutor } from '../protocol/messages/agent-executor.js';
import type { ExecutorApiHost } from './view.js';
import { bearerToken } from './executor-token.js';
import type { ExecutorChannel, ExecutorRecord, FrameworkRecord } from './state.js';

/** How often a subscribed executor gets a HEARTBEAT event. */
export const EXECUTOR_HEARTBEAT_INTERVAL_MS = 30_000;

const text = (status: number, message: string, headers: Record<string, string> = {}): HttpResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: `${message}\n` });

/** An agent-to-executor message as the v1 event it becomes (undefined: it has none). */
export function executorEvent<N extends keyof AgentToExecutor>(name: N, body: AgentToExecutor[N], ex: Pick<ExecutorRecord, 'containerId'>): ExecutorEvent | undefined {
  const b = body as never;
  switch (name) {
    case 'registered': {
      const r = b as AgentToExecutor['registered'];
      return { type: 'SUBSCRIBED', subscribed: { executor_info: r.executor_info, framework_info: r.framework_info, agent_info: r.agent_info, container_id: { value: ex.containerId } } };
    }
    case 'run_task':
      return { type: 'LAUNCH', launch: { task: (b as AgentToExecutor['run_task']).task } };
    case 'run_task_group':
      return { type: 'LAUNCH_GROUP', launch_group: { task_group: (b as AgentToExecutor['run_task_group']).task_group } };
    case 'kill_task': {
      const k = b as AgentToExecutor['kill_task'];
      return { type: 'KILL', kill: k.kill_policy !== undefined ? { task_id: k.task_id, kill_policy: k.kill_policy } : { task_id: k.task_id } };
    }
    case 'ack': {
      const a = b as AgentToExecutor['ack'];
      return { type: 'ACKNOWLEDGED', acknowledged: { task_id: a.task_id, uuid: a.uuid } };
    }
    case 'framework_message':
      return { type: 'MESSAGE', message: { data: (b as AgentToExecutor['framework_message']).data } };
    case 'shutdown':
      return { type: 'SHUTDOWN' };
    default:
      return undefined; // reregistered, reconnect: the driver's protocol only
  }
}

/**
 * One executor's event stream. Created while the agent handles SUBSCRIBE;
 * events sent before the HTTP layer hands over the writer are held and
 * flushed in order when it does.
 */
export class HttpExecutorChannel implements ExecutorChannel {
  #writer: ChunkWriter | undefined;
  #held: string[] = [];
  #closed = false;
  #endRequested = false;
  #heartbeat: Timer | undefined;

  constructor(
    private readonly agent: ExecutorApiHost,
    private readonly ex: ExecutorRecord,
    private readonly onClosed: () => void,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  send<N extends keyof AgentToExecutor & string>(name: N, body: AgentToExecutor[N]): void {
    const event = executorEvent(name, body, this.ex);
    if (event !== undefined) this.sendEvent(event);
  }

  sendEvent(event: ExecutorEvent): void {
    if (this.#closed || this.#endRequested) return;
    let record: string;
    try {
      record = recordio(encode('executor.Event', event));
    } catch (err) {
      this.agent.logger.warn(`cannot encode a ${event.type ?? 'UNKNOWN'} event for executor ${this.ex.id}: ${(err as Error).message}`);
      return;
    }
    if (this.#writer === undefined) this.#held.push(record);
    else this.#writer.write(record);
  }

  /** The HTTP layer's writer for this response (called once, after the handler returned). */
  attach(writer: ChunkWriter): void {
    this.#writer = writer;
    writer.onClose(this.agent.defer(() => this.#ended()));
    for (const r of this.#held.splice(0)) writer.write(r);
    if (this.#endRequested) writer.end();
    else this.#beat();
  }

  close(): void {
    if (this.#closed || this.#endRequested) return;
    this.#endRequested = true;
    if (this.#writer !== undefined) this.#writer.end();
  }

  #beat(): void {
    this.#heartbeat = this.agent.delay(EXECUTOR_HEARTBEAT_INTERVAL_MS, () => {
      if (this.#closed) return;
      this.sendEvent({ type: 'HEARTBEAT' });
      this.#beat();
    });
  }

  #ended(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#heartbeat?.cancel();
    this.onClosed();
  }
}

/** Mesos's executor::Call validation (src/slave/validation.cpp); undefined when valid. */
export function validateExecutorCall(call: ExecutorCall): string | undefined {
  switch (call.type) {
    case undefined:
      return "Expecting 'type' to be present";
    case 'SUBSCRIBE':
      return call.subscribe === undefined ? "Expecting 'subscribe' to be present" : undefined;
    case 'UPDATE': {
      if (call.update === undefined) return "Expecting 'update' to be present";
      const status = call.update.status;
      if (status.uuid === undefined) return "Expecting 'update.status.uuid' to be present";
      if (status.uuid.length !== 16) return `'update.status.uuid' must be 16 bytes (a UUID), got ${status.uuid.length}`;
      if (status.executor_id !== undefined && status.executor_id.value !== call.executor_id.value) {
        return `ExecutorID in Call: ${call.executor_id.value} does not match ExecutorID in TaskStatus: ${status.executor_id.value}`;
      }
      if (status.source !== 'SOURCE_EXECUTOR') {
        return `Received Call from executor ${call.executor_id.value} of framework ${call.framework_id.value} with invalid source, expecting 'SOURCE_EXECUTOR' ('update.status.source' is ${status.source ?? 'unset'})`;
      }
      if (status.state === 'TASK_STAGING') return `Received TASK_STAGING from executor ${call.executor_id.value} of framework ${call.framework_id.value} which is not allowed`;
      return undefined;
    }
    case 'MESSAGE':
      return call.message === undefined ? "Expecting 'message' to be present" : undefined;
    default:
      return undefined;
  }
}

export function installExecutorApi(agent: ExecutorApiHost): void {
  const handle = (req: HttpRequest): HttpResponse => {
    if (req.method !== 'POST') return text(405, `Expecting 'POST', received '${req.method}'`, { allow: 'POST' });
    const rawType = req.headers['content-type'];
    if (rawType === undefined) return text(400, "Expecting 'Content-Type' to be present");
    const contentType = rawType.split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json') return text(415, `Expecting 'Content-Type' of application/json, received '${rawType}'`);
    let call: ExecutorCall;
    try {
      call = decode('executor.Call', JSON.parse(req.body.toString('utf8')));
    } catch (err) {
      return text(400, err instanceof SyntaxError ? `Failed to parse body into JSON: ${err.message}` : `Failed to convert JSON into Call protobuf: ${(err as Error).message}`);
    }
    const invalid = validateExecutorCall(call);
    if (invalid !== undefined) {
      if (call.type === 'UPDATE') agent.count('slave/invalid_status_updates');
      return text(400, `Failed to validate executor::Call: ${invalid}`);
    }
    if (call.type === 'UNKNOWN') return text(501, "Received an 'UNKNOWN' call");
    if (call.type === 'HEARTBEAT') return { status: 202 };
    if (call.type === 'SUBSCRIBE') {
      const accept = req.headers['accept'];
      if (accept !== undefined && !/(application\/json|application\/\*|\*\/\*)/i.test(accept)) return text(406, `Expecting 'Accept' to allow 'application/json', received '${accept}'`);
    }
    if (agent.state === 'RECOVERING') return text(503, 'Agent has not finished recovery');
    const fw = agent.frameworks.get(call.framework_id.value);
    if (fw === undefined) return text(400, `Framework cannot be found: no framework '${call.framework_id.value}' on this agent`);
    const ex = fw.executors.get(call.executor_id.value);
    if (ex === undefined || ex.command) return text(400, `Executor cannot be found: no executor '${call.executor_id.value}' of framework '${fw.id}' on this agent`);
    if (agent.flags.authenticate_http_executors) {
      const refused = agent.executorTokens.refuse(bearerToken(req.headers['authorization']), { fid: fw.id, eid: ex.id, cid: ex.containerId });
      if (refused !== undefined) {
        agent.count('slave/executor_authentication_failures');
        return text(refused.status, `Executor authentication failed: ${refused.error}`, refused.status === 401 ? { 'www-authenticate': 'Bearer realm="mesos-agent-executor"' } : {});
      }
    }
    if (ex.state === 'REGISTERING' && call.type !== 'SUBSCRIBE') return text(403, `Executor is not subscribed: call SUBSCRIBE before ${call.type}`);
    if (call.type === 'UPDATE' && !agent.executorOwns(ex, call.update!.status.task_id.value)) {
      agent.count('slave/invalid_status_updates');
      return text(403, `Task ${call.update!.status.task_id.value} is not a task of executor ${ex.id}: an executor reports only its own tasks`);
    }
    agent.count(`slave/api/executor/${call.type!.toLowerCase()}`);
    switch (call.type) {
      case 'SUBSCRIBE':
        return subscribe(fw, ex, call);
      case 'UPDATE':
        agent.httpExecutorUpdate(fw, ex, call.update!.status);
        return { status: 202 };
      case 'MESSAGE':
        agent.executorMessage(fw.id, ex.id, call.message!.data);
        return { status: 202 };
      default:
        return text(501, `${call.type} is not supported by this agent`);
    }
  };

  const subscribe = (fw: FrameworkRecord, ex: ExecutorRecord, call: ExecutorCall): HttpResponse => {
    const previous = ex.http;
    const channel: HttpExecutorChannel = new HttpExecutorChannel(agent, ex, () => agent.httpExecutorDisconnected(fw, ex, channel));
    if (previous !== undefined && !previous.closed && previous instanceof HttpExecutorChannel) {
      previous.sendEvent({ type: 'ERROR', error: { message: `Executor ${ex.id} subscribed again on another connection; this stream ends` } });
    }
    const sub = call.subscribe ?? {};
    agent.subscribeHttpExecutor(fw, ex, channel, sub.unacknowledged_tasks ?? [], (sub.unacknowledged_updates ?? []).map((u) => u.status));
    return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' }, stream: (writer) => channel.attach(writer) };
  };

  const isSubscribe = (call: Record<string, unknown>): boolean => call['type'] === 'SUBSCRIBE';
  agent.route('/api/v1/executor', speaksProtobuf({ call: 'executor.Call', event: 'executor.Event', streaming: isSubscribe }, handle));
}

/** Top-level path startAgent aliases to the executor API (as Mesos serves /api/v1/executor). */
export const EXECUTOR_API_PATH = '/api/v1/executor';
