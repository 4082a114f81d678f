import { readFileSync } from 'node:fs';
import { ProtocolError } from './errors.js';

/**
 * Principals and secrets, in Mesos's credential file formats:
 * - `--credentials` (the master): `{"credentials":[{"principal":"p","secret":"s"}, ...]}`;
 * - `--credential` (an agent or a framework): one `{"principal":"p","secret":"s"}`.
 * Mesos also reads the old text form, one `principal secret` pair per line; so do we.
 * Every entry is checked: a principal is 1-256 printable characters without
 * whitespace or `:` (it goes in HTTP Basic), a secret is non-empty, and a
 * principal appears once. A bad file throws E_BAD_CREDENTIALS naming the entry.
 */
export interface Credential {
  readonly principal: string;
  readonly secret: string;
}

/** Principal → secret; what an authenticator looks secrets up in. */
export type Credentials = ReadonlyMap<string, string>;

const PRINCIPAL = /^[\x21-\x39\x3b-\x7e]{1,256}$/;

function bad(where: string, why: string): ProtocolError {
  return new ProtocolError('E_BAD_CREDENTIALS', `${where}: ${why}`);
}

function credentialOf(value: unknown, where: string): Credential {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(where, 'expected an object {"principal": ..., "secret": ...}');
  const { principal, secret } = value as Record<string, unknown>;
  if (typeof principal !== 'string' || !PRINCIPAL.test(principal)) {
    throw bad(where, `principal must be 1-256 printable characters without spaces or ':', got ${JSON.stringify(principal)}`);
  }
  if (typeof secret !== 'string' || secret.length === 0) throw bad(where, `secret of '${principal}' must be a non-empty string`);
  return { principal, secret };
}

function fromText(text: string, where: string): Credential[] {
  return text.split('\n').flatMap((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return [];
    const parts = trimmed.split(/\s+/);
    if (parts.length !== 2) throw bad(`${where} line ${i + 1}`, "expected 'principal secret'");
    return [credentialOf({ principal: parts[0], secret: parts[1] }, `${where} line ${i + 1}`)];
  });
}

/** Every credential in `text` (either JSON form, or the text form). `where` names the source in errors. */
export function parseCredentials(text: string, where = 'credentials'): Credential[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return fromText(text, where);
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch (e) {
    throw bad(where, `not valid JSON: ${(e as Error).message}`);
  }
  const list = (json as { credentials?: unknown }).credentials;
  if (list === undefined) return [credentialOf(json, where)];
  if (!Array.isArray(list)) throw bad(where, "'credentials' must be an array");
  const seen = new Set<string>();
  return list.map((entry, i) => {
    const c = credentialOf(entry, `${where} credentials[${i}]`);
    if (seen.has(c.principal)) throw bad(`${where} credentials[${i}]`, `principal '${c.principal}' appears twice`);
    seen.add(c.principal);
    return c;
  });
}

/** The credentials as a lookup table. */
export function credentialsMap(list: readonly Credential[]): Credentials {
  return new Map(list.map((c) => [c.principal, c.secret]));
}

/** Reads a credentials file (`--credentials=<path>`; a leading `file://` is accepted, as Mesos does). */
export function readCredentialsFile(path: string): Credential[] {
  const file = path.startsWith('file://') ? path.slice('file://'.length) : path;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw bad(file, `cannot be read: ${(e as Error).message}`);
  }
  return parseCredentials(text, file);
}

/** Reads a file holding exactly one credential (`--credential=<path>` of an agent or a framework). */
export function readCredentialFile(path: string): Credential {
  const list = readCredentialsFile(path);
  if (list.length !== 1) throw bad(path, `expected exactly one credential, found ${list.length}`);
  return list[0]!;
}
