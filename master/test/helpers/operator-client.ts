// A plain-http client of the operator API (POST /api/v1) for tests: one call,
// or a SUBSCRIBE stream whose events are read with protocol/json's RecordIOReader.
import * as http from 'node:http';
import { RecordIOReader } from '../../../protocol/json/index.js';
import { fromProtobuf, toProtobuf } from '../../../protocol/proto/index.js';

export type Json = Record<string, any>;

export function call(base: string, body: unknown, contentType = 'application/json'): Promise<{ status: number; text: string; json: () => Json }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/v1`, { method: 'POST', headers: { 'content-type': contentType } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, text, json: () => JSON.parse(text) as Json }));
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

/** One call in protobuf both ways (Content-Type and Accept application/x-protobuf); the answer read back into v1 JSON. */
export function callProtobuf(base: string, body: Json): Promise<{ status: number; contentType: string | undefined; json: () => Json }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', accept: 'application/x-protobuf' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, contentType: res.headers['content-type'], json: () => fromProtobuf('master.Response', Buffer.concat(chunks)) }));
    });
    req.on('error', reject);
    req.end(Buffer.from(toProtobuf('master.Call', body)));
  });
}

export interface Subscription {
  readonly events: Json[];
  /** Resolves once `check` holds, re-checked as each chunk of events arrives. */
  until(check: () => boolean): Promise<void>;
  close(): void;
}

/** Opens SUBSCRIBE with `body` (default `{type: 'SUBSCRIBE'}`); resolves once the stream answers 200. */
export function follow(base: string, body: unknown = { type: 'SUBSCRIBE' }): Promise<Subscription> {
  return new Promise((resolve, reject) => {
    const events: Json[] = [];
    const reader = new RecordIOReader();
    let waiters: { check: () => boolean; resolve: () => void }[] = [];
    const req = http.request(`${base}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`SUBSCRIBE answered ${res.statusCode}`));
      res.on('data', (chunk: Buffer) => {
        for (const e of reader.push(chunk)) events.push(e as Json);
        waiters = waiters.filter((w) => (w.check() ? (w.resolve(), false) : true));
      });
      resolve({ events, until: (check) => (check() ? Promise.resolve() : new Promise((r) => waiters.push({ check, resolve: r }))), close: () => req.destroy() });
    });
    req.on('error', () => {});
    req.end(JSON.stringify(body));
  });
}
