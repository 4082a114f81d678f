/**
 * An HTTP handler of a v1 API that speaks JSON, made to speak protobuf too
 * (`speaksProtobuf(types, handler)`): a protobuf request body is read into
 * its v1 JSON and handed on as JSON; the response is negotiated from
 * `Accept` / `Message-Accept` (media.ts) and a JSON answer (a 200 with a
 * body, or each RecordIO record of a stream) is written in protobuf when
 * that is what the client takes. The handler itself keeps seeing and writing
 * JSON only, so both encodings go through the same checks.
 *
 * Typed structurally (the shapes of libprocess-ts's HttpRequest,
 * HttpResponse and ChunkWriter), so protocol/ stays free of the runtime.
 */
import { RecordIOFrames, recordioBytes } from '../json/recordio.js';
import { fromProtobuf, toProtobuf } from './codec.js';
import { APPLICATION_JSON, accepts, requestEncoding, responseMedia, type ResponseMedia } from './media.js';

/** The message types of one API: its calls, its synchronous responses (if any) and its streamed events (if any). */
export interface WireTypes {
  readonly call: string;
  readonly response?: string;
  readonly event?: string;
  /** Calls whose answer is a stream (`SUBSCRIBE`). */
  readonly streaming?: (call: Record<string, unknown>) => boolean;
}

interface Req {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}
interface Writer {
  write(chunk: string | Buffer): void;
  end(): void;
  readonly closed: boolean;
  readonly buffered: number;
  drained(): Promise<void>;
  abort(): void;
  onClose(fn: () => void): void;
}
type Res = { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: unknown } | { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly stream: (writer: Writer) => void };

const text = (status: number, message: string): Res => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${message}\n` });

export function speaksProtobuf<Q extends Req, R extends Res>(types: WireTypes, handler: (req: Q) => R | Promise<R>): (req: Q) => R | Promise<R> {
  return (req) => {
    const encoding = requestEncoding(req.headers['content-type']);
    // Not ours to answer (no or another content type, a GET...): the handler says what is wrong, as before.
    if (typeof encoding !== 'string') return handler(req);
    // JSON both ways: the handler's own path, untouched.
    if (encoding === 'json' && accepts(req.headers['accept'], APPLICATION_JSON) && req.headers['message-accept'] === undefined) return handler(req);
    let json: Record<string, unknown> | undefined;
    let body = req.body;
    if (encoding === 'protobuf') {
      try {
        json = fromProtobuf(types.call, req.body);
      } catch (err) {
        return text(400, `Failed to parse body into Call protobuf: ${(err as Error).message}`) as R;
      }
      body = Buffer.from(JSON.stringify(json));
    }
    const streaming = types.streaming !== undefined && types.streaming(json ?? parseOrEmpty(req.body));
    const media = responseMedia(req.headers['accept'], req.headers['message-accept'], streaming);
    if ('status' in media) return text(media.status, media.message) as R;
    const inner = { ...req, body, headers: { ...req.headers, 'content-type': APPLICATION_JSON, accept: APPLICATION_JSON } } as Q;
    const answer = handler(inner);
    return answer instanceof Promise ? answer.then((r) => respond(types, media, r)) : respond(types, media, answer);
  };
}

function parseOrEmpty(body: Buffer): Record<string, unknown> {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The handler's JSON answer in the negotiated media. */
function respond<R extends Res>(types: WireTypes, media: ResponseMedia, r: R): R {
  const json = (r.headers?.['content-type'] ?? '').startsWith(APPLICATION_JSON);
  if ('stream' in r) {
    if (!json || types.event === undefined) return r;
    const headers = { ...r.headers, 'content-type': media.contentType, ...(media.messageContentType !== undefined ? { 'message-content-type': media.messageContentType } : {}) };
    if (media.encoding === 'json') return { ...r, headers };
    const event = types.event;
    return { ...r, headers, stream: (writer: Writer) => r.stream(protobufRecords(event, writer)) };
  }
  if (r.status !== 200 || !json || r.body === undefined || types.response === undefined) return r;
  const value = typeof r.body === 'string' || Buffer.isBuffer(r.body) ? (JSON.parse(r.body.toString()) as unknown) : r.body;
  return { ...r, headers: { ...r.headers, 'content-type': media.contentType }, body: Buffer.from(toProtobuf(types.response, value)) };
}

/** A writer taking JSON RecordIO records and writing each as a protobuf record of `type`. */
function protobufRecords(type: string, writer: Writer): Writer {
  const frames = new RecordIOFrames();
  return {
    write: (chunk) => {
      for (const record of frames.push(chunk)) writer.write(recordioBytes(toProtobuf(type, JSON.parse(record.toString('utf8')))));
    },
    end: () => writer.end(),
    get closed() {
      return writer.closed;
    },
    get buffered() {
      return writer.buffered;
    },
    drained: () => writer.drained(),
    abort: () => writer.abort(),
    onClose: (fn) => writer.onClose(fn),
  };
}
