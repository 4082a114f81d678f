import type { IncomingHttpHeaders } from 'node:http';
import { isNonce, isPrincipal, newNonce, proof, proofMatches, type DialIdentity, type PeerAuth } from './auth.js';
import type { Timer } from './clock.js';

/**
 * The authentication handshake of the WebSocket transport (README: Identity),
 * as decisions without I/O: what the dialer puts in its upgrade request,
 * what the acceptor answers, and the checks of both proofs. The transport
 * (ws-transport.ts) sends, counts and logs what these return.
 */

/** The path of libprocess upgrades on a runtime's port. */
export const LIBPROCESS_PATH = '/__libprocess__';
/** Header of the upgrade request naming the dialer's listening address, `host:port`. */
export const PEER_HEADER = 'libprocess-peer';
/** Header of the upgrade request naming the principal the dialer authenticates as. */
export const PRINCIPAL_HEADER = 'libprocess-principal';
/** The dialer's nonce (in the request) and the acceptor's (in the response). */
export const NONCE_HEADER = 'libprocess-nonce';
/** The acceptor's proof, in the upgrade response. */
export const PROOF_HEADER = 'libprocess-proof';
/** The dialer's proof is its first frame: a text frame `AUTH_PREFIX + proof`. */
export const AUTH_PREFIX = 'auth ';

/** What the acceptor keeps while it waits for the dialer's proof. */
export interface Handshake {
  readonly principal: string;
  readonly secret: string;
  readonly dialNonce: string;
  readonly acceptNonce: string;
  /** The acceptor's proof, sent in the upgrade response. */
  readonly proof: string;
  timer?: Timer;
}

/** The acceptor's answer as the dialer read it from the upgrade response. */
export interface AcceptorAnswer {
  readonly nonce: unknown;
  readonly proof: unknown;
}

/** A refusal: why, for the log, and the HTTP status of a refused upgrade. */
export interface Refusal {
  readonly refused: string;
  readonly status: 400 | 401;
}

/** The headers of a dial from `self`, as `identity` (none: unauthenticated) with `dialNonce`. */
export function dialHeaders(self: string, identity: DialIdentity | undefined, dialNonce: string): Record<string, string> {
  const headers: Record<string, string> = { [PEER_HEADER]: self };
  if (identity !== undefined) {
    headers[PRINCIPAL_HEADER] = identity.principal;
    headers[NONCE_HEADER] = dialNonce;
  }
  return headers;
}

/**
 * The dialer's check of the acceptor's answer: the principal the connection
 * is authenticated as, undefined for an unauthenticated one (allowed), or a
 * refusal (the dialer closes the connection).
 */
export function checkAcceptor(
  auth: PeerAuth | undefined,
  dial: { self: string; peer: string; identity: DialIdentity | undefined; dialNonce: string },
  answer: AcceptorAnswer | undefined,
): { principal: string | undefined } | Refusal {
  const { self, peer, identity, dialNonce } = dial;
  if (identity === undefined || auth === undefined) return { principal: undefined };
  const nonce = answer?.nonce;
  const given = answer?.proof;
  if (nonce === undefined && given === undefined) {
    if (!auth.required) return { principal: undefined };
    return { refused: `gave no proof of the secret of '${identity.principal}' (it does not authenticate); closing the connection`, status: 401 };
  }
  if (!isNonce(nonce) || typeof given !== 'string') return { refused: 'answered with a malformed nonce or proof; closing the connection', status: 400 };
  const expected = proof(identity.secret, 'accept', { dialer: self, acceptor: peer, principal: identity.principal, dialNonce, acceptNonce: nonce });
  if (!proofMatches(given, expected)) return { refused: `does not know the secret of '${identity.principal}' (its proof does not match); closing the connection`, status: 401 };
  return { principal: identity.principal };
}

/** The dialer's first frame once the acceptor's proof checked: its own proof. */
export function dialProofFrame(identity: DialIdentity, self: string, peer: string, dialNonce: string, answer: AcceptorAnswer): string {
  return AUTH_PREFIX + proof(identity.secret, 'dial', { dialer: self, acceptor: peer, principal: identity.principal, dialNonce, acceptNonce: String(answer.nonce) });
}

/**
 * The acceptor's reading of an upgrade request from `peer`: a handshake to
 * answer with (the dialer claims a principal), undefined (it claims none and
 * none is required), or a refusal.
 */
export function acceptHandshake(auth: PeerAuth, headers: IncomingHttpHeaders, peer: string, self: string): Handshake | undefined | Refusal {
  const principal = headers[PRINCIPAL_HEADER];
  const dialNonce = headers[NONCE_HEADER];
  if (principal === undefined) return auth.required ? { refused: 'dialed without credentials; refused (401)', status: 401 } : undefined;
  if (!isPrincipal(principal) || !isNonce(dialNonce)) return { refused: `dialed with a malformed '${PRINCIPAL_HEADER}' or '${NONCE_HEADER}' header; refused (400)`, status: 400 };
  const secret = auth.secretOf(principal);
  if (secret === undefined) return { refused: `dialed as unknown principal '${principal}'; refused (401)`, status: 401 };
  const acceptNonce = newNonce();
  return { principal, secret, dialNonce, acceptNonce, proof: proof(secret, 'accept', { dialer: peer, acceptor: self, principal, dialNonce, acceptNonce }) };
}

/** The acceptor's check of the dialer's first frame: undefined when it proves the secret, else why not. */
export function checkDialProof(handshake: Handshake, frame: Buffer, isBinary: boolean, peer: string, self: string): string | undefined {
  const text = isBinary ? '' : frame.toString('latin1');
  const given = text.startsWith(AUTH_PREFIX) ? text.slice(AUTH_PREFIX.length) : '';
  const expected = proof(handshake.secret, 'dial', { dialer: peer, acceptor: self, principal: handshake.principal, dialNonce: handshake.dialNonce, acceptNonce: handshake.acceptNonce });
  if (proofMatches(given, expected)) return undefined;
  return `did not prove the secret of '${handshake.principal}'${given === '' ? ' (its first frame is not a proof)' : ''}; closing the connection`;
}

/** Whether a handshake step refused. */
export function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && 'refused' in value;
}
