import { timingSafeEqual, createHash } from 'node:crypto';
import type { Credentials } from '../credentials.js';

/**
 * HTTP Basic authentication (RFC 7617) against a principal → secret table,
 * as Mesos's `basic` HTTP authenticator does. `parseBasic` reads the header;
 * `checkBasic` decides. Secrets are compared in constant time (over their
 * SHA-256, so their lengths do not leak either).
 */
export type BasicParse = { readonly principal: string; readonly secret: string } | { readonly error: string };

/** The principal and secret of an `Authorization: Basic <base64(principal:secret)>` header. */
export function parseBasic(header: string): BasicParse {
  const m = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (m === null) return { error: /^\s*basic\b/i.test(header) ? 'malformed Basic credentials (expected base64 of principal:secret)' : 'unsupported authorization scheme (expected Basic)' };
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { error: 'malformed Basic credentials (expected principal:secret)' };
  return { principal: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** `Basic <base64>` for a principal and secret (what clients send). */
export function basicHeader(principal: string, secret: string): string {
  return `Basic ${Buffer.from(`${principal}:${secret}`, 'utf8').toString('base64')}`;
}

export type BasicCheck = { readonly principal: string } | { readonly error: string };

/** Checks an Authorization header against `credentials`. The error never says which of principal or secret was wrong. */
export function checkBasic(header: string, credentials: Credentials): BasicCheck {
  const parsed = parseBasic(header);
  if ('error' in parsed) return parsed;
  const expected = credentials.get(parsed.principal);
  // Hash both so the comparison takes the same time whatever the lengths (and whether the principal exists).
  const given = createHash('sha256').update(parsed.secret).digest();
  const wanted = createHash('sha256').update(expected ?? '\u0000no such principal').digest();
  const same = timingSafeEqual(given, wanted);
  if (expected === undefined || !same) return { error: 'invalid principal or secret' };
  return { principal: parsed.principal };
}
