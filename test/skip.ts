// Tests that need something of the host (root, cgroups, a pid namespace): run where it is there,
// and otherwise reported as skipped with the reason in their name, never passed in silence.
// jest's skip reporter (test/jest/skip-reporter.js) prints every skipped test with its reason.
import { describe, test } from '@jest/globals';

/** `reason` is why it cannot run here (null: it can). */
export function describeIf(reason: string | null): (name: string, fn: () => void) => void {
  return reason === null ? describe : (name, fn) => describe.skip(`${name} [skipped: ${reason}]`, fn);
}

export function testIf(reason: string | null): (name: string, fn: () => Promise<void> | void, timeoutMs?: number) => void {
  return reason === null ? test : (name, fn, timeoutMs) => test.skip(`${name} [skipped: ${reason}]`, fn, timeoutMs);
}
