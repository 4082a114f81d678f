// Shared by the protocol tests: the ProtocolError a call throws (failing the test if it throws none or another error).
import { expect } from '@jest/globals';
import { ProtocolError } from '../errors.js';

export function protocolError(f: () => unknown): ProtocolError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}
