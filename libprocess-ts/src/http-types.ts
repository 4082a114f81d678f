/**
 * HTTP as processes see it, independent of Node's http module, so routes can
 * be served by a real socket (WebSocket transport) or called directly in
 * in-process tests (in-memory transport).
 */
export interface HttpRequest {
  readonly method: string;
  /** The path without the query string, e.g. `/master/state`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  /** `host:port` of the client, when known. */
  readonly remoteAddress?: string;
}

/**
 * A writer for a chunked (streaming) response. Each `write` goes out as one
 * HTTP chunk. A client that does not read is cut off (the response destroyed,
 * `onClose` called) once the bytes written and not yet sent pass the server's
 * bound (`maxUnsentBytes`); a producer that can wait uses `buffered` and
 * `drained()` to stay under it.
 */
export interface ChunkWriter {
  write(chunk: string | Buffer): void;
  end(): void;
  readonly closed: boolean;
  /** Bytes written and not yet handed to the kernel. */
  readonly buffered: number;
  /** Resolves once everything written has been handed to the kernel, or the stream closed. */
  drained(): Promise<void>;
  /** Cuts the response: the client sees an incomplete body (never a short one that looks whole). */
  abort(): void;
  /** Called once when the client goes away or `end` is called. */
  onClose(fn: () => void): void;
}

export type HttpResponse =
  | {
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      /** A string or Buffer is sent as is; any other value as JSON (content-type application/json). */
      readonly body?: unknown;
    }
  | {
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      /** Streams a chunked body: called once the head has been written. */
      readonly stream: (writer: ChunkWriter) => void;
    };

export type HttpHandler = (request: HttpRequest) => HttpResponse | Promise<HttpResponse>;
