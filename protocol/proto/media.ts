/**
 * Media types of Mesos's v1 HTTP APIs and their negotiation, as libprocess
 * and Mesos do it (src/common/http.cpp, src/slave/http.cpp):
 *
 * - the request's `Content-Type` is `application/json` or
 *   `application/x-protobuf`;
 * - the response is JSON if `Accept` allows it (no `Accept` allows
 *   everything), else protobuf if it allows that, else, for a streaming
 *   response only, `application/recordio`, whose records are then in the
 *   type `Message-Accept` allows (JSON first), named by
 *   `Message-Content-Type`; otherwise 406. Streams are RecordIO either way
 *   (`<length>\n<record>`), each record in the response's encoding.
 */
export const APPLICATION_JSON = 'application/json';
export const APPLICATION_PROTOBUF = 'application/x-protobuf';
export const APPLICATION_RECORDIO = 'application/recordio';

export type Encoding = 'json' | 'protobuf';

/**
 * Whether an `Accept`-style header allows `mediaType` (libprocess's
 * `acceptsMediaType`): an absent header allows everything; otherwise the
 * most specific matching entry (`type/subtype`, then `type/*`, then `* /*`)
 * decides, and allows it unless its `q` is 0.
 */
export function accepts(header: string | undefined, mediaType: string): boolean {
  if (header === undefined) return true;
  const [type, subtype] = mediaType.split('/') as [string, string];
  let best: { specificity: number; q: number } | undefined;
  for (const entry of header.split(',')) {
    const [range, ...params] = entry.trim().toLowerCase().split(';').map((s) => s.trim());
    if (range === undefined || range === '') continue;
    const [t, s] = range.split('/');
    const specificity = t === type && s === subtype ? 3 : t === type && s === '*' ? 2 : t === '*' && s === '*' ? 1 : 0;
    if (specificity === 0) continue;
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (best === undefined || specificity > best.specificity) best = { specificity, q: Number.isFinite(q) ? q : 0 };
  }
  return best !== undefined && best.q > 0;
}

/** The encoding of a request body from its `Content-Type`, or the 400/415 to answer. */
export function requestEncoding(contentType: string | undefined): Encoding | { status: 400 | 415; message: string } {
  if (contentType === undefined) return { status: 400, message: "Expecting 'Content-Type' to be present" };
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === APPLICATION_JSON) return 'json';
  if (type === APPLICATION_PROTOBUF) return 'protobuf';
  return { status: 415, message: `Expecting 'Content-Type' of ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}, received '${contentType}'` };
}

export interface ResponseMedia {
  /** What each message (or record of a stream) is written in. */
  readonly encoding: Encoding;
  /** The response's `Content-Type`. */
  readonly contentType: string;
  /** `Message-Content-Type` of an `application/recordio` stream. */
  readonly messageContentType?: string;
}

/** The response's media from `Accept` and `Message-Accept`, or the 406 to answer. */
export function responseMedia(accept: string | undefined, messageAccept: string | undefined, streaming: boolean): ResponseMedia | { status: 406; message: string } {
  if (!streaming && messageAccept !== undefined) return { status: 406, message: "Expecting 'Message-Accept' to be not set for non-streaming responses" };
  if (accepts(accept, APPLICATION_JSON)) return { encoding: 'json', contentType: APPLICATION_JSON };
  if (accepts(accept, APPLICATION_PROTOBUF)) return { encoding: 'protobuf', contentType: APPLICATION_PROTOBUF };
  if (streaming && accepts(accept, APPLICATION_RECORDIO)) {
    if (accepts(messageAccept, APPLICATION_JSON)) return { encoding: 'json', contentType: APPLICATION_RECORDIO, messageContentType: APPLICATION_JSON };
    if (accepts(messageAccept, APPLICATION_PROTOBUF)) return { encoding: 'protobuf', contentType: APPLICATION_RECORDIO, messageContentType: APPLICATION_PROTOBUF };
    return { status: 406, message: `Expecting 'Message-Accept' to allow ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}` };
  }
  return { status: 406, message: `Expecting 'Accept' to allow '${APPLICATION_PROTOBUF}' or '${APPLICATION_JSON}'${streaming ? ` or '${APPLICATION_RECORDIO}'` : ''}` };
}
