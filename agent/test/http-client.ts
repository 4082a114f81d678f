/**
 * A small HTTP client for the agent's v1 APIs in tests, with nothing but
 * Node's `http` module: POST a JSON call, or open a RecordIO event stream
 * and wait for events on it.
 */
import * as http from 'node:http';
import { RecordIOReader } from '../../protocol/json/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** POSTs `body` (JSON unless a string) to `base + path`; Content-Type application/json unless `headers` says otherwise (null: none). */
export function post(base: string, path: string, body: unknown, headers: Record<string, string | null> = {}): Promise<Answer> {
  const h: Record<string, string> = { 'content-type': 'application/json' };
  for (const [k, v] of Object.entries(headers)) {
    if (v === null) delete h[k];
    else h[k] = v;
  }
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: 'POST', headers: h }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

export function get(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      })
      .on('error', reject);
  });
}

/** The events of a RecordIO response, as they come. */
export class EventStream {
  readonly events: Json[] = [];
  chunks = 0;
  ended = false;
  readonly #reader = new RecordIOReader();
  #waiters: (() => boolean)[] = [];

  constructor(
    readonly res: http.IncomingMessage,
    readonly req: http.ClientRequest,
  ) {
    res.on('data', (chunk: Buffer) => {
      this.chunks++;
      for (const e of this.#reader.push(chunk)) this.events.push(e as Json);
      this.#wake();
    });
    res.on('end', () => {
      this.ended = true;
      this.#wake();
    });
    res.on('close', () => {
      this.ended = true;
      this.#wake();
    });
  }

  #wake(): void {
    this.#waiters = this.#waiters.filter((w) => !w());
  }

  /** Resolves once `check` holds (checked now and after each chunk); rejects if the stream ends first without it. */
  until(check: () => boolean, what = 'the expected events'): Promise<void> {
    return new Promise((resolve, reject) => {
      const w = (): boolean => {
        if (check()) {
          resolve();
          return true;
        }
        if (this.ended) {
          reject(new Error(`the stream ended before ${what}; events: ${JSON.stringify(this.events.map((e) => e.type))}`));
          return true;
        }
        return false;
      };
      if (!w()) this.#waiters.push(w);
    });
  }

  ofType(type: string): Json[] {
    return this.events.filter((e) => e.type === type);
  }

  /** Waits for the n-th (1-based) event of `type` and returns it. */
  async nth(type: string, n = 1): Promise<Json> {
    await this.until(() => this.ofType(type).length >= n, `${n} ${type} event(s)`);
    return this.ofType(type)[n - 1]!;
  }

  close(): void {
    this.req.destroy();
  }
}

/** Opens a streaming call (SUBSCRIBE); resolves with the stream once the status is 200, rejects with the answer otherwise. */
export function openStream(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers } }, (res) => {
      if (res.statusCode !== 200) {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => reject(new Error(`${res.statusCode}: ${text}`)));
        return;
      }
      resolve(new EventStream(res, req));
    });
    req.on('error', (e) => reject(e));
    req.end(JSON.stringify(body));
  });
}

/** Waits (bounded) for a condition on state this test can see; rejects naming `what` after `limitMs`. */
export async function waitUntil(check: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** 16 bytes as Mesos's JSON carries a uuid: base64. */
export function uuidBase64(n: number): string {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(n, 12);
  b[0] = 0x5e;
  return b.toString('base64');
}
