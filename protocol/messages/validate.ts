/**
 * Validation of message bodies at the boundary of a receiving process:
 * `MessageValidator` checks each body against its protocol's schema
 * (schemas.ts, check.ts), and `validated(handlers, validator, on)` wraps a
 * handler table so that every handler sees only a checked, clean body.
 *
 * A refused message is counted (`on.count`, whose metric name the process
 * fixes: never derived from input), logged with its sender and the field
 * path (the first ten, then at powers of two, so a flood cannot flood the
 * log), answered where the protocol has an error reply (`on.reply`), and
 * dropped; the process carries on with its next message.
 *
 * `owned(from)` says whether a body belongs to its message alone (one from
 * another runtime, decoded from its frame): then the clean parts of it are
 * handed on as they are, and only what needs cleaning is copied (at 50k
 * agents the master's copies of every body it received were a good part of
 * its garbage). A body from a process of the same runtime is the sender's
 * own object and is always copied, so no two processes share what one of
 * them may change.
 */
import { isProtocolError, ProtocolError } from '../errors.js';
import type { SchemaSource } from '../json/codec.js';
import { MESOS_SCHEMA } from '../json/mesos.js';
import { BodyChecker } from './check.js';
import { INTERNAL_SCHEMA, type MessageSchemas } from './schemas.js';

export class MessageValidator<P> {
  readonly #checker: BodyChecker;
  readonly #names: ReadonlySet<string>;
  readonly #ownIdChecks: ReadonlySet<string> | 'all';

  /**
   * `extra`: enums and nested types of a process's own protocols (e.g. the
   * allocator's). `ownIdChecks`: messages whose ids the process checks itself
   * (answering per item, as the master does for the tasks of a launch), so
   * unsafe ids there do not refuse the whole message; 'all' for a process
   * where ids never become paths (a scheduler).
   */
  constructor(schemas: MessageSchemas<P>, extra: Partial<SchemaSource> = {}, ownIdChecks: readonly (keyof P & string)[] | 'all' = []) {
    this.#ownIdChecks = ownIdChecks === 'all' ? 'all' : new Set(ownIdChecks);
    const messages: SchemaSource['messages'] = { ...MESOS_SCHEMA.messages, ...INTERNAL_SCHEMA.messages, ...extra.messages };
    for (const [name, body] of Object.entries(schemas as Record<string, Record<string, string>>)) {
      if (name in messages) throw new Error(`message '${name}' has the name of a type of the schema`);
      messages[name] = body;
    }
    this.#checker = new BodyChecker({ enums: { ...MESOS_SCHEMA.enums, ...INTERNAL_SCHEMA.enums, ...extra.enums }, messages });
    this.#names = new Set(Object.keys(schemas));
  }

  has(name: string): boolean {
    return this.#names.has(name);
  }

  /**
   * The clean body of message `name` (only declared fields, unset ones absent); throws ProtocolError
   * E_BAD_MESSAGE naming the field. `owned`: the body belongs to this message alone (decoded from a frame), so
   * its clean parts are kept as they are instead of copied (no sender holds them to change them later).
   */
  body<N extends keyof P & string>(name: N, body: unknown, owned = false): P[N] {
    if (!this.#names.has(name)) throw new ProtocolError('E_BAD_MESSAGE', `${name}: not a message of this protocol`);
    return this.#checker.check(name, body ?? {}, name, this.#ownIdChecks !== 'all' && !this.#ownIdChecks.has(name), owned) as P[N];
  }
}

type Table<P, F> = { readonly [N in keyof P & string]: (body: P[N], from: F) => void };

/** What a process does with a refused message. */
export interface OnInvalid<F> {
  /** Counts one refused message. */
  count(name: string): void;
  warn(message: string): void;
  /** Tells the sender, where its protocol has an error reply. */
  reply?(name: string, from: F, error: string): void;
}

/** `handlers` with every body checked by `validator` first; see the file comment. */
export function validated<P, F extends { toString(): string }>(handlers: Table<P, F>, validator: MessageValidator<P>, on: OnInvalid<F>, owned: (from: F) => boolean = () => false): Table<P, F> {
  let refused = 0;
  const out: Record<string, (body: unknown, from: F) => void> = {};
  for (const [name, handler] of Object.entries(handlers) as [keyof P & string, (body: unknown, from: F) => void][]) {
    out[name] = (body, from) => {
      let clean: unknown;
      try {
        clean = validator.body(name, body, owned(from));
      } catch (err) {
        if (!isProtocolError(err)) throw err;
        refused++;
        on.count(name);
        if (refused <= 10 || (refused & (refused - 1)) === 0) {
          on.warn(`refused '${name}' from ${from.toString()}: ${err.message}${refused > 10 ? ` (${refused} refused so far)` : ''}`);
        }
        on.reply?.(name, from, `invalid '${name}' message: ${err.message}`);
        return;
      }
      handler(clean, from);
    };
  }
  return out as Table<P, F>;
}
