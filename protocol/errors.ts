/**
 * The one error type protocol/ throws. `code` tells callers what kind of
 * input was wrong (so the HTTP layer can map it to a 400), the message names
 * the offending part and why.
 */
export type ProtocolErrorCode =
  | 'E_BAD_RESOURCES'
  | 'E_BAD_ATTRIBUTES'
  | 'E_BAD_JSON'
  | 'E_BAD_ID'
  | 'E_BAD_CREDENTIALS'
  | 'E_BAD_ACLS'
  | 'E_BAD_MESSAGE';

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode | string;

  constructor(code: ProtocolErrorCode | string, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

export function isProtocolError(e: unknown, code?: string): e is ProtocolError {
  return e instanceof ProtocolError && (code === undefined || e.code === code);
}
