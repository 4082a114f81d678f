// Waiting on something outside the test's process that has no event to listen to (an HTTP
// answer, a file, a process gone): ask again every `everyMs` until it holds, and fail saying
// what was awaited and the last error once `limitMs` has passed. Time from the real clock.
import { realClock } from 'libprocess-ts';

/** Resolves with the first value `check` gives that is not undefined (a throw counts as not yet). */
export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, options: { everyMs?: number; limitMs?: number } = {}): Promise<T> {
  const everyMs = options.everyMs ?? 100;
  const deadline = realClock.now() + (options.limitMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (realClock.now() >= deadline) throw new Error(`${what}: not within ${options.limitMs ?? 30_000} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise<void>((resolve) => realClock.timer(everyMs, resolve));
  }
}

/** GET `url` until `check` holds on its answer (status and JSON or text body); resolves with what check returned. */
export function untilHttp<T>(what: string, url: string, check: (status: number, body: unknown) => T | undefined, options: { everyMs?: number; limitMs?: number } = {}): Promise<T> {
  return until(what, async () => {
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON: the text */
    }
    return check(res.status, body);
  }, options);
}

/** Resolves once `check()` holds, asked every 20 ms (for state in this process with no event to wait on); rejects after `ms`, naming what was awaited. */
export async function untilTrue(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = realClock.now() + ms;
  while (!(await check())) {
    if (realClock.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => realClock.timer(20, resolve));
  }
}
