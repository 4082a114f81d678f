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

/** A writer for a chunked (streaming) response. Each `write` goes out as one HTTP chunk. */
export interface ChunkWriter {
  write(chunk: string | Buffer): void;
  end(): void;
  readonly closed: boolean;
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
