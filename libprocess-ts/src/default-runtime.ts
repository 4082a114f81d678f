import { LibprocessError } from './errors.js';
import type { PID } from './pid.js';
import type { Process } from './process.js';
import type { Protocol } from './protocol.js';
import { realClock } from './real-clock.js';
import { Runtime } from './runtime.js';
import { tlsFromEnv, type TlsOptions } from './tls.js';
import { WsTransport } from './ws-transport.js';

/**
 * The runtime plain code gets from `spawn` without building one: a WebSocket
 * transport on LIBPROCESS_IP (default 127.0.0.1) and LIBPROCESS_PORT (default
 * 0, a free port), LIBPROCESS_ADVERTISE_IP when peers must dial another
 * address, TLS from Mesos's LIBPROCESS_SSL_* variables (tls.ts), and the real
 * clock. Started once, on first use.
 */
let starting: Promise<Runtime> | undefined;

/** Reads the default runtime's address from the environment, with a clear error for a bad port. */
export function defaultRuntimeOptions(env: NodeJS.ProcessEnv = process.env): { host: string; port: number; advertiseHost?: string; tls?: TlsOptions; keepaliveIntervalMs?: number; keepaliveMisses?: number } {
  const host = env.LIBPROCESS_IP || '127.0.0.1';
  const portText = env.LIBPROCESS_PORT ?? '0';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new LibprocessError('E_BAD_CONFIG', `LIBPROCESS_PORT=${JSON.stringify(portText)}: expected a port number 0-65535`);
  }
  const advertise = env.LIBPROCESS_ADVERTISE_IP;
  const tls = tlsFromEnv(env);
  return { host, port, ...(advertise ? { advertiseHost: advertise } : {}), ...(tls !== undefined ? { tls } : {}), ...keepaliveFromEnv(env) };
}

/**
 * LIBPROCESS_KEEPALIVE_INTERVAL_MS: how often the WebSocket transport pings each
 * connection; 0 turns pings off. LIBPROCESS_KEEPALIVE_MISSES: how many pings in a
 * row may go unanswered before the connection is closed (default 3, so a half-open
 * connection is found within four intervals).
 */
export function keepaliveFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): { keepaliveIntervalMs?: number; keepaliveMisses?: number } {
  const text = env['LIBPROCESS_KEEPALIVE_INTERVAL_MS'];
  const misses = env['LIBPROCESS_KEEPALIVE_MISSES'];
  const out: { keepaliveIntervalMs?: number; keepaliveMisses?: number } = {};
  if (text !== undefined && text !== '') {
    if (!/^\d+$/.test(text)) throw new LibprocessError('E_BAD_CONFIG', `LIBPROCESS_KEEPALIVE_INTERVAL_MS=${JSON.stringify(text)}: expected milliseconds (0 turns pings off)`);
    out.keepaliveIntervalMs = Number(text);
  }
  if (misses !== undefined && misses !== '') {
    if (!/^[1-9]\d{0,3}$/.test(misses)) throw new LibprocessError('E_BAD_CONFIG', `LIBPROCESS_KEEPALIVE_MISSES=${JSON.stringify(misses)}: expected a count of pings from 1 to 9999`);
    out.keepaliveMisses = Number(misses);
  }
  return out;
}

/** The process-wide runtime, started on first call. */
export function defaultRuntime(): Promise<Runtime> {
  if (starting === undefined) {
    const attempt = (async () => {
      const options = defaultRuntimeOptions();
      const transport = new WsTransport({ ...options, clock: realClock });
      return new Runtime({ transport, clock: realClock, name: 'default' }).start();
    })();
    starting = attempt;
    // A failed start (port taken, bad env) must not poison later calls.
    attempt.catch(() => {
      if (starting === attempt) starting = undefined;
    });
  }
  return starting;
}

/** Spawns a process on the default runtime (starting it on first use). */
export async function spawn<P extends Protocol>(process: Process<P>, id?: string): Promise<PID<P>> {
  const runtime = await defaultRuntime();
  return runtime.spawn(process, id);
}

/** Stops the default runtime (every process, its sockets and timers); a later `spawn` starts a new one. */
export async function stopDefaultRuntime(): Promise<void> {
  const current = starting;
  starting = undefined;
  if (current === undefined) return;
  const runtime = await current.catch(() => undefined);
  await runtime?.stop();
}
