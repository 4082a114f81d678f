import { LibprocessError } from './errors.js';
import type { Protocol } from './protocol.js';

const ID = /^[^@\s/]+$/;
const HOST = /^[A-Za-z0-9_.:\-\[\]]+$/;

/**
 * The address of a process: `id@host:port`. The same PID names a process
 * whether it lives in this runtime or another one. The type parameter is the
 * protocol the process understands (phantom: it exists only for the compiler),
 * so `send(pid, name, body)` is checked against it.
 */
export class PID<P extends Protocol = Protocol> {
  /** Phantom field carrying the protocol type; never set at run time. */
  declare readonly __protocol?: P;
  readonly #text: string;
  readonly #address: string;

  constructor(
    readonly id: string,
    readonly host: string,
    readonly port: number,
  ) {
    if (!ID.test(id)) throw new LibprocessError('E_BAD_PID', `bad process id ${JSON.stringify(id)}: it must be non-empty, without '@', '/' or spaces`);
    if (!HOST.test(host)) throw new LibprocessError('E_BAD_PID', `bad host ${JSON.stringify(host)} in PID of ${id}`);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new LibprocessError('E_BAD_PID', `bad port ${port} in PID of ${id}: expected an integer from 0 to 65535`);
    this.#address = `${host}:${port}`;
    this.#text = `${id}@${this.#address}`;
  }

  /** Parses `id@host:port`; throws a LibprocessError (code E_BAD_PID) that says what is wrong. */
  static parse<P extends Protocol = Protocol>(text: string): PID<P> {
    if (typeof text !== 'string') throw new LibprocessError('E_BAD_PID', `bad PID: expected a string like id@host:port, got ${typeof text}`);
    const at = text.indexOf('@');
    if (at < 0) throw new LibprocessError('E_BAD_PID', `bad PID ${JSON.stringify(text)}: missing '@' (expected id@host:port)`);
    if (at === 0) throw new LibprocessError('E_BAD_PID', `bad PID ${JSON.stringify(text)}: empty process id before '@'`);
    const colon = text.lastIndexOf(':');
    if (colon < at) throw new LibprocessError('E_BAD_PID', `bad PID ${JSON.stringify(text)}: missing ':port' after the host`);
    const host = text.slice(at + 1, colon);
    if (host === '') throw new LibprocessError('E_BAD_PID', `bad PID ${JSON.stringify(text)}: empty host`);
    const portText = text.slice(colon + 1);
    if (!/^\d{1,5}$/.test(portText)) throw new LibprocessError('E_BAD_PID', `bad PID ${JSON.stringify(text)}: port ${JSON.stringify(portText)} is not a number`);
    return new PID<P>(text.slice(0, at), host, Number(portText));
  }

  /** `host:port` of the runtime hosting the process. */
  get address(): string {
    return this.#address;
  }

  toString(): string {
    return this.#text;
  }

  toJSON(): string {
    return this.#text;
  }

  equals(other: PID | string | undefined | null): boolean {
    if (other === undefined || other === null) return false;
    return this.#text === (typeof other === 'string' ? other : other.#text);
  }

  /** Orders PIDs by their text, for deterministic tie breaking. */
  compare(other: PID): number {
    return this.#text < other.#text ? -1 : this.#text > other.#text ? 1 : 0;
  }
}

/** The process id part of a PID's text (`id` of `id@host:port`), or the text itself when it has no '@'. */
export function idOf(pidText: string): string {
  const at = pidText.indexOf('@');
  return at < 0 ? pidText : pidText.slice(0, at);
}

/** The `host:port` part of a PID's text. */
export function addressOf(pidText: string): string {
  return pidText.slice(pidText.indexOf('@') + 1);
}
