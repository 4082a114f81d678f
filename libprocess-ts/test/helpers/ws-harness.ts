// Helpers for the WebSocket transport and HTTP tests: a real clock, a manual
// clock, and TransportEvents that record what they are told and let a test
// wait for it (no sleeps: every wait is on an event, bounded by jest's timeout).
import * as net from 'node:net';
import type { Clock, Timer } from '../../src/clock.js';
import type { Envelope } from '../../src/message.js';
import type { BadInputKind, TransportEvents } from '../../src/transport.js';
import type { HttpRequest, HttpResponse } from '../../src/http-types.js';

export const realClock: Clock = {
  now: () => Date.now(),
  timer(ms: number, fn: () => void): Timer {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
};

/** A clock whose timers fire only when the test calls `advance`. */
export class ManualClock implements Clock {
  #now = 0;
  #timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  now(): number {
    return this.#now;
  }
  timer(ms: number, fn: () => void): Timer {
    const t = { at: this.#now + ms, fn, live: true };
    this.#timers.push(t);
    return { cancel: () => void (t.live = false) };
  }
  advance(ms: number): void {
    this.#now += ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.live && t.at <= this.#now).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      due.live = false;
      due.fn();
    }
    this.#timers = this.#timers.filter((t) => t.live);
  }
}

export const silentLogger = { warn: (_m: string): void => {} };

export class Recorder implements TransportEvents {
  readonly frames: Array<{ peer: string; messages: readonly Envelope[] }> = [];
  readonly downs: string[] = [];
  /** Connections opened, with the principal each authenticated as. */
  readonly ups: Array<{ peer: string; principal: string | undefined }> = [];
  readonly bad: Array<{ kind: BadInputKind; peer: string; detail: string }> = [];
  #waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
  httpHandler: (request: HttpRequest) => Promise<HttpResponse> = async () => ({ status: 404, body: 'none\n' });

  get messages(): Envelope[] {
    return this.frames.flatMap((f) => f.messages);
  }

  deliver(messages: readonly Envelope[], peer: string): void {
    this.frames.push({ peer, messages });
    this.#poke();
  }
  peerDown(peer: string): void {
    this.downs.push(peer);
    this.#poke();
  }
  connected(peer: string, principal: string | undefined): void {
    this.ups.push({ peer, principal });
    this.#poke();
  }
  badInput(kind: BadInputKind, peer: string, detail: string): void {
    this.bad.push({ kind, peer, detail });
    this.#poke();
  }
  http(request: HttpRequest): Promise<HttpResponse> {
    return this.httpHandler(request);
  }

  /** Resolves once `check()` holds (checked now and after every event). */
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ check, resolve }));
  }

  #poke(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
}

/** Polls `check` between turns of the event loop until it holds (for state that raises no event, e.g. a duplicate connection closing). */
export async function eventually(check: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 20_000; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`never happened: ${what}`);
}

/** A port nobody listens on (bound then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export function env(to: string, from: string, name: string, body: unknown = null): Envelope {
  return { to, from, name, body };
}
