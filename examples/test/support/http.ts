// Calls a runtime's HTTP routes in process (no socket), as a client would.
import type { HttpResponse, Runtime } from 'libprocess-ts';

export async function call(runtime: Runtime, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const [p, q] = path.split('?');
  const res: HttpResponse = await runtime.handleHttp({ method, path: p!, query: new URLSearchParams(q ?? ''), headers: { 'content-type': 'application/json' }, body: Buffer.from(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)) });
  if (!('body' in res)) throw new Error(`${method} ${path}: a streamed answer`);
  const text = typeof res.body === 'string' ? res.body : Buffer.isBuffer(res.body) ? res.body.toString() : JSON.stringify(res.body);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}
