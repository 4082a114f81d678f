import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A runtime's identity and the principals it accepts, shared by both
 * transports (the WebSocket handshake and the simulated network play the
 * same rules).
 *
 * A connection is authenticated under ONE principal: the dialer's. Both ends
 * prove they know that principal's secret (see `proof`), so a runtime that
 * accepts a connection learns who dialed, and the dialer learns that the
 * other end holds its secret (a master holding the cluster's credentials, or
 * the dialer's own runtime). Messages that arrive on it are attributed to
 * that principal (`Runtime.principalOf`).
 *
 * Redialling a peer that knows only its own secret (a master reaching a
 * framework's runtime after the framework's connection broke): a runtime
 * remembers the principal each peer address authenticated as, and dials it
 * back as that principal when it knows its secret; otherwise as itself.
 */
export interface AuthOptions {
  /** This runtime's principal (what it dials as). */
  readonly principal: string;
  readonly secret: string;
  /**
   * Secrets of the principals this runtime accepts connections from. Its own
   * principal is always accepted. A map, or a lookup function.
   */
  readonly secrets?: ReadonlyMap<string, string> | ((principal: string) => string | undefined);
  /**
   * Refuse connections that do not authenticate (a dialer without a
   * principal, or an acceptor that gives no proof). Default true. A runtime
   * that must also serve unauthenticated peers (an agent's executors) sets
   * false, and its handlers check `principalOf(from)` where it matters.
   */
  readonly required?: boolean;
}

/** What a dialer presents: a principal and the secret it proves. */
export interface DialIdentity {
  readonly principal: string;
  readonly secret: string;
}

/** Principals: 1-256 printable characters without spaces (they travel in an HTTP header). */
const PRINCIPAL = /^[\x21-\x7e]{1,256}$/;
/** Nonces: 16-64 base64url characters (the handshake makes 32 random bytes: 43 characters). */
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
/** Proofs: an HMAC-SHA256 in base64url (43 characters). */
const PROOF = /^[A-Za-z0-9_-]{43}$/;

export function isPrincipal(value: unknown): value is string {
  return typeof value === 'string' && PRINCIPAL.test(value);
}

export function isNonce(value: unknown): value is string {
  return typeof value === 'string' && NONCE.test(value);
}

export function isProof(value: unknown): value is string {
  return typeof value === 'string' && PROOF.test(value);
}

/** A fresh nonce from node:crypto (never from the seeded Random: it must not be predictable). */
export function newNonce(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The proof one side gives: HMAC-SHA256 keyed by the secret of `principal`
 * over the role ('accept' for the acceptor, 'dial' for the dialer), both
 * nonces (the verifier's fresh one first, so a recorded proof never matches
 * a new challenge), both addresses and the principal. Distinct roles keep a
 * proof from being reflected back as the other side's.
 */
export function proof(secret: string, role: 'accept' | 'dial', fields: { dialer: string; acceptor: string; principal: string; dialNonce: string; acceptNonce: string }): string {
  const first = role === 'accept' ? fields.dialNonce : fields.acceptNonce;
  const second = role === 'accept' ? fields.acceptNonce : fields.dialNonce;
  return createHmac('sha256', secret)
    .update(['libprocess-ts/1', role, first, second, fields.dialer, fields.acceptor, fields.principal].join('\n'))
    .digest('base64url');
}

/** Compares a proof received with the expected one in constant time. */
export function proofMatches(received: string, expected: string): boolean {
  if (!isProof(received)) return false;
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A runtime's authentication state: its identity, what it accepts, and the principal each peer authenticated as. */
export class PeerAuth {
  readonly principal: string;
  readonly required: boolean;
  readonly #secret: string;
  readonly #secrets: (principal: string) => string | undefined;
  /** Peer address -> the principal its last authenticated connection used. */
  readonly #learned = new Map<string, string>();

  constructor(options: AuthOptions) {
    if (!isPrincipal(options.principal)) throw new Error(`auth.principal: expected 1-256 printable characters without spaces, got ${JSON.stringify(options.principal)}`);
    if (typeof options.secret !== 'string' || options.secret.length === 0) throw new Error(`auth.secret of '${options.principal}' must be a non-empty string`);
    this.principal = options.principal;
    this.#secret = options.secret;
    this.required = options.required ?? true;
    const s = options.secrets;
    this.#secrets = s === undefined ? () => undefined : typeof s === 'function' ? s : (p) => s.get(p);
  }

  /** The secret of a principal this runtime accepts, or undefined. */
  secretOf(principal: string): string | undefined {
    if (principal === this.principal) return this.#secret;
    const s = this.#secrets(principal);
    return typeof s === 'string' && s.length > 0 ? s : undefined;
  }

  /** Who to dial `peer` as: the principal it authenticated as before (when its secret is known), else this runtime's own. */
  dialAs(peer: string): DialIdentity {
    const learned = this.#learned.get(peer);
    if (learned !== undefined) {
      const secret = this.secretOf(learned);
      if (secret !== undefined) return { principal: learned, secret };
    }
    return { principal: this.principal, secret: this.#secret };
  }

  /** `peer` authenticated as `principal` on a connection it dialed. */
  learn(peer: string, principal: string): void {
    this.#learned.set(peer, principal);
  }
}
