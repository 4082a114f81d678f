import type { PID } from './pid.js';

/**
 * A protocol: the vocabulary a process understands, declared once as a map
 * from message name to body type, e.g.
 *
 *     type PingPong = { ping: { n: number }; pong: { n: number } };
 *
 * Bodies travel msgpack-encoded between runtimes: plain objects, arrays,
 * strings, numbers, booleans, null and Uint8Array.
 */
export type Protocol = { [name: string]: unknown };

/** A message handler: runs to completion before the process handles anything else. */
export type Handler<B> = (body: B, from: PID) => void;

/**
 * The handler table of a process: exactly one handler per message name of P.
 * Declaring `handlers(): Handlers<P>` makes a missing handler a compile error.
 */
export type Handlers<P extends Protocol> = { readonly [N in keyof P & string]: Handler<P[N]> };

/** Names of the messages of P. */
export type MessageName<P extends Protocol> = keyof P & string;
