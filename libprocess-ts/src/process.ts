import type { Clock, Timer } from './clock.js';
import type { RouteOptions } from './http-router.js';
import type { HttpHandler } from './http-types.js';
import type { PID } from './pid.js';
import type { Handlers, Protocol } from './protocol.js';
import type { Runtime } from './runtime.js';

/** What a runtime attaches to a process it spawns. */
export interface ProcessContext {
  readonly pid: PID;
  readonly runtime: Runtime;
  /** The sender of the message being handled, if any (for `reply`). */
  readonly sender: PID | undefined;
}

let attach: (process: Process<any>, context: ProcessContext) => void;

/** @internal Used by the runtime when it spawns a process. */
export function attachContext(process: Process<any>, context: ProcessContext): void {
  attach(process, context);
}

/**
 * An actor. Subclass it, declare the protocol P it receives, and install its
 * whole handler table in `handlers()`. Handlers run one at a time, each to
 * completion, in the order messages arrived. Handlers are synchronous: to wait
 * for I/O, start it and re-enter through `defer` (continuations are named
 * after the step they continue, with a leading underscore: `launch` then
 * `_launch`).
 *
 *     type PingPong = { ping: { n: number } };
 *     class Pong extends Process<PingPong> {
 *       handlers() {
 *         return { ping: (body, from) => this.send(from, 'pong', body) } satisfies Handlers<PingPong>;
 *       }
 *     }
 */
export abstract class Process<P extends Protocol = Protocol> {
  #context: ProcessContext | undefined;

  static {
    attach = (process, context) => {
      if (process.#context !== undefined) throw new Error(`process ${process.#context.pid} is already spawned`);
      process.#context = context;
    };
  }

  /** The handler table: one entry per message name of P. Called once, at spawn. */
  protected abstract handlers(): Handlers<P>;

  /** @internal */
  _handlers(): Handlers<P> {
    return this.handlers();
  }

  /**
   * Messages this process accepts only from processes of its own runtime:
   * `true` for all of them (an allocator, a master's internal helpers), or
   * the names of those that are internal. Anything else from a remote
   * sender is dropped and counted (`local_only`). Read once, at spawn.
   */
  protected localOnly(): boolean | readonly (keyof P & string)[] {
    return false;
  }

  /** @internal */
  _localOnly(): boolean | readonly string[] {
    return this.localOnly();
  }

  /** Runs first, before any message; messages wait while a returned promise is pending. A throw or rejection terminates the process. */
  initialize(): void | Promise<void> {}

  /** Runs last, when the process terminates. */
  finalize(): void {}

  /** A linked process terminated, or the connection to its runtime broke. */
  exited(_pid: PID): void {}

  get pid(): PID<P> {
    return this.#ctx().pid as PID<P>;
  }

  get runtime(): Runtime {
    return this.#ctx().runtime;
  }

  get clock(): Clock {
    return this.#ctx().runtime.clock;
  }

  /** Whether the process has been spawned and not yet terminated. */
  get alive(): boolean {
    return this.#context !== undefined && this.#context.runtime.isAlive(this.#context.pid);
  }

  /** The principal the sender `from` authenticated as (this runtime's own for a local sender; undefined: unauthenticated). */
  principalOf(from: PID<any> | string): string | undefined {
    return this.#ctx().runtime.principalOf(from);
  }

  /** Sends a message to `to`, checked against the protocol `to` carries. */
  send<Q extends Protocol, N extends keyof Q & string>(to: PID<Q>, name: N, body: Q[N]): void {
    const context = this.#ctx();
    context.runtime._send(context.pid, to, name, body);
  }

  /** Sends to the sender of the message being handled. */
  reply(name: string, body: unknown): void {
    const context = this.#ctx();
    if (context.sender === undefined) throw new Error(`${this.pid}: reply outside a message handler`);
    context.runtime._send(context.pid, context.sender, name, body);
  }

  /** Watches `pid`: `exited(pid)` runs when it terminates or its runtime becomes unreachable. */
  link(pid: PID<any>): void {
    this.#ctx().runtime._link(this.#ctx().pid, pid);
  }

  /** Returns a function that, called from asynchronous work, runs `fn` inside this process as a new event. Dropped if the process terminated. */
  defer<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
    const context = this.#ctx();
    return (...args: A) => context.runtime._call(context.pid, () => fn(...args));
  }

  /** Runs `fn` inside this process `ms` milliseconds from now (by the runtime's clock). Cancelled when the process terminates. */
  delay(ms: number, fn: () => void): Timer {
    return this.#ctx().runtime._delay(this.#ctx().pid, ms, fn);
  }

  /** Serves `handler` at `/<id><path>` on the runtime's HTTP port; it runs inside this process. `{prefix: true}`: the paths below it too. */
  route(path: string, handler: HttpHandler, options?: RouteOptions): void {
    this.#ctx().runtime.http.route(this.#ctx().pid.id, path, handler, options);
  }

  /** Terminates this process (after the current event). */
  terminate(): void {
    this.#ctx().runtime.terminate(this.#ctx().pid);
  }

  #ctx(): ProcessContext {
    if (this.#context === undefined) throw new Error(`${this.constructor.name} is not spawned yet`);
    return this.#context;
  }
}
