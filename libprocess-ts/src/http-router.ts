import type { HttpHandler, HttpRequest, HttpResponse } from './http-types.js';

/**
 * Runs a route's handler inside the process that owns it (so the handler sees
 * the process's state between two of its messages, never in the middle of one).
 * Resolves with a 503 when the owner has terminated.
 */
export type RouteExecutor = (ownerId: string, run: () => HttpResponse | Promise<HttpResponse>) => Promise<HttpResponse>;

interface Route {
  readonly ownerId: string;
  readonly handler: HttpHandler;
  /** Also serves every path below it (`/master/quota` serves `/master/quota/eng`), as libprocess matches endpoints. */
  readonly prefix: boolean;
}

export interface RouteOptions {
  /** Serve paths below this one too, when no route matches them exactly (libprocess's longest-prefix match). */
  readonly prefix?: boolean;
}

/**
 * Maps request paths to the routes of processes. A process `id` that installs
 * `/state` is served at `/id/state`; the runtime may add top-level aliases
 * (`/master/state` -> `/master(1)/state`, `/api/v1/scheduler` -> ...).
 */
export class HttpRouter {
  readonly #routes = new Map<string, Route>();
  readonly #aliases = new Map<string, string>();

  constructor(private readonly execute: RouteExecutor) {}

  /** Installs `handler` at `/<ownerId><path>`; `path` starts with `/` (or is empty for the process root). */
  route(ownerId: string, path: string, handler: HttpHandler, options: RouteOptions = {}): void {
    if (path !== '' && !path.startsWith('/')) throw new Error(`route path must start with '/': ${JSON.stringify(path)}`);
    this.#routes.set(`/${ownerId}${path}`, { ownerId, handler, prefix: options.prefix === true });
  }

  /** Serves `target` (a full routed path) at `publicPath` too. */
  alias(publicPath: string, target: string): void {
    this.#aliases.set(publicPath, target);
  }

  /** Removes every route of a process (called when it terminates). */
  removeOwner(ownerId: string): void {
    for (const [path, route] of this.#routes) if (route.ownerId === ownerId) this.#routes.delete(path);
  }

  /** The route of `requested`: exact (through an alias), then, with empty segments ignored, the longest prefix route above it. */
  #match(requested: string): Route | undefined {
    const exact = this.#aliases.get(requested) ?? requested;
    const found = this.#routes.get(exact) ?? this.#routes.get(stripTrailingSlash(exact));
    if (found !== undefined) return found;
    const path = normalizePath(requested);
    const direct = this.#routes.get(this.#aliases.get(path) ?? path);
    if (direct !== undefined) return direct;
    for (let end = path.lastIndexOf('/'); end > 0; end = path.lastIndexOf('/', end - 1)) {
      const above = path.slice(0, end);
      const route = this.#routes.get(this.#aliases.get(above) ?? above);
      if (route !== undefined) return route.prefix ? route : undefined;
    }
    return undefined;
  }

  paths(): string[] {
    return [...this.#routes.keys(), ...this.#aliases.keys()].sort();
  }

  async handle(request: HttpRequest): Promise<HttpResponse> {
    const route = this.#match(request.path);
    if (route === undefined) return { status: 404, body: `No route for ${request.path}\n` };
    try {
      return await this.execute(route.ownerId, () => route.handler(request));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { status: 500, body: `Internal error in ${route.ownerId}: ${message}\n` };
    }
  }
}

/**
 * The path as libprocess reads it: empty segments ignored (`//api/v1` is
 * `/api/v1`, `/master//state` is `/master/state`), a trailing slash too.
 */
export function normalizePath(path: string): string {
  return '/' + path.split('/').filter((s) => s !== '').join('/');
}

function stripTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
