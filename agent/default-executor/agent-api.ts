/**
 * The default executor's link to its agent, over the agent's HTTP APIs: the
 * v1 executor API (`/api/v1/executor`: the SUBSCRIBE event stream in
 * RecordIO, UPDATE calls) and the nested container calls of the operator
 * API (`/api/v1`), each authenticated with the executor's token. JSON is
 * written and read through the protocol's schemas.
 */
import { request, type IncomingMessage } from 'node:http';
import { decode, encode, RecordIOReader, type AgentCall, type ExecutorCall, type ExecutorEvent } from '../../protocol/json/index.js';
import type { ContainerID } from '../../protocol/ids.js';
import type { TaskInfo, TaskStatus } from '../../protocol/types.js';
import type { Waited } from './executor.js';

export interface AgentApiOptions {
  /** host:port (MESOS_AGENT_ENDPOINT). */
  readonly endpoint: string;
  readonly frameworkId: string;
  readonly executorId: string;
  /** MESOS_EXECUTOR_AUTHENTICATION_TOKEN, when the agent gave one. */
  readonly token: string | undefined;
}

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export class AgentApi {
  readonly #host: string;
  readonly #port: number;

  constructor(private readonly o: AgentApiOptions) {
    const colon = o.endpoint.lastIndexOf(':');
    this.#host = o.endpoint.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    this.#port = Number(o.endpoint.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(this.#port) || this.#port <= 0 || this.#port > 65535) throw new Error(`MESOS_AGENT_ENDPOINT '${o.endpoint}' is not host:port`);
  }

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    return { 'content-type': 'application/json', accept: 'application/json', ...(this.o.token !== undefined ? { authorization: `Bearer ${this.o.token}` } : {}), ...extra };
  }

  /** Opens the event stream; `onEvent` gets each event, `onClose` once when the stream ends (or fails to open). */
  subscribe(unacked: { tasks: TaskInfo[]; updates: TaskStatus[] }, onEvent: (e: ExecutorEvent) => void, onClose: (why: string) => void): void {
    const call: ExecutorCall = {
      type: 'SUBSCRIBE',
      framework_id: { value: this.o.frameworkId },
      executor_id: { value: this.o.executorId },
      subscribe: { unacknowledged_tasks: unacked.tasks, unacknowledged_updates: unacked.updates.map((status) => ({ status })) },
    };
    const body = JSON.stringify(encode('executor.Call', call));
    let closed = false;
    const close = (why: string): void => {
      if (closed) return;
      closed = true;
      onClose(why);
    };
    const req = request({ host: this.#host, port: this.#port, method: 'POST', path: '/api/v1/executor', headers: this.#headers() }, (res) => {
      if (res.statusCode !== 200) {
        void readAll(res).then((t) => close(`SUBSCRIBE answered ${res.statusCode}: ${t.trim()}`));
        return;
      }
      const reader = new RecordIOReader();
      res.on('data', (chunk: Buffer) => {
        try {
          for (const record of reader.push(chunk)) onEvent(decode('executor.Event', record));
        } catch (e) {
          res.destroy();
          close(`a bad event: ${(e as Error).message}`);
        }
      });
      res.on('end', () => close('the agent ended the stream'));
      res.on('error', (e) => close(e.message));
    });
    req.on('error', (e) => close(e.message));
    req.end(body);
  }

  async update(status: TaskStatus): Promise<void> {
    const call: ExecutorCall = { type: 'UPDATE', framework_id: { value: this.o.frameworkId }, executor_id: { value: this.o.executorId }, update: { status } };
    await this.#post('/api/v1/executor', encode('executor.Call', call), [202]);
  }

  async launch(container: ContainerID, task: TaskInfo): Promise<void> {
    const command = task.command ?? {};
    await this.#operator({ type: 'LAUNCH_CONTAINER', launch_container: { container_id: container, command, ...(task.resources ? { resources: task.resources } : {}), ...(task.container ? { container: task.container } : {}) } }, [200, 202]);
  }

  async wait(container: ContainerID): Promise<Waited> {
    const text = await this.#operator({ type: 'WAIT_CONTAINER', wait_container: { container_id: container } }, [200]);
    return decode('agent.Response', JSON.parse(text)).wait_container ?? {};
  }

  async kill(container: ContainerID, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    await this.#operator({ type: 'KILL_CONTAINER', kill_container: { container_id: container, signal: signal === 'SIGTERM' ? 15 : 9 } }, [200]);
  }

  async remove(container: ContainerID): Promise<void> {
    await this.#operator({ type: 'REMOVE_CONTAINER', remove_container: { container_id: container } }, [200]);
  }

  #operator(call: AgentCall, ok: number[]): Promise<string> {
    return this.#post('/api/v1', encode('agent.Call', call), ok);
  }

  #post(path: string, json: unknown, ok: number[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request({ host: this.#host, port: this.#port, method: 'POST', path, headers: this.#headers() }, (res) => {
        void readAll(res).then((t) => (ok.includes(res.statusCode ?? 0) ? resolve(t) : reject(new HttpError(res.statusCode ?? 0, `${path} answered ${res.statusCode}: ${t.trim()}`))), reject);
      });
      req.on('error', reject);
      req.end(JSON.stringify(json));
    });
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}
