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
  route(ownerId: string, path: string, handler: HttpHandler): void {
    if (path !== '' && !path.startsWith('/')) throw new Error(`route path must start with '/': ${JSON.stringify(path)}`);
    this.#routes.set(`/${ownerId}${path}`, { ownerId, handler });
  }

  /** Serves `target` (a full routed path) at `publicPath` too. */
  alias(publicPath: string, target: string): void {
    this.#aliases.set(publicPath, target);
  }

  /** Removes every route of a process (called when it terminates). */
  removeOwner(ownerId: string): void {
    for (const [path, route] of this.#routes) if (route.ownerId === ownerId) this.#routes.delete(path);
  }

  paths(): string[] {
    return [...this.#routes.keys(), ...this.#aliases.keys()].sort();
  }

  async handle(request: HttpRequest): Promise<HttpResponse> {
    const path = this.#aliases.get(request.path) ?? request.path;
    const route = this.#routes.get(path) ?? this.#routes.get(stripTrailingSlash(path));
    if (route === undefined) return { status: 404, body: `No route for ${request.path}\n` };
    try {
      return await this.execute(route.ownerId, () => route.handler(request));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { status: 500, body: `Internal error in ${route.ownerId}: ${message}\n` };
    }
  }
}

function stripTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
