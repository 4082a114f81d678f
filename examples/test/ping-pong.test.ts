// The ping-pong example end to end: two real OS processes, the launcher's
// output, the exit status; and the pinger's own exit when its ponger dies.
import { describe, test, expect } from '@jest/globals';
import { runBuilt, waitForOutput } from '../../test/processes.js';

/** The example's built entry point; `done` gives its exit code and output once it has exited. */
function run(file: string, args: string[]): ReturnType<typeof runBuilt> & { result: Promise<{ code: number | null; out: string; err: string }> } {
  const p = runBuilt(file, args);
  return { ...p, result: p.done.then((code) => ({ code, out: p.stdout(), err: p.stderr() })) };
}

describe('examples/ping-pong', () => {
  test('one command: two OS processes ping and pong', async () => {
    const { code, out, err } = await run('examples/ping-pong/main.ts', ['5']).result;
    expect(err).toBe('');
    expect(code).toBe(0);
    const ready = /\[ponger\] ponger ready at (ponger@127\.0\.0\.1:\d+)/.exec(out);
    expect(ready).not.toBeNull();
    const osPids = /\[pinger\] os pid (\d+), ponger os pid (\d+)/.exec(out)!;
    expect(osPids[1]).not.toBe(osPids[2]);
    const pongs = [...out.matchAll(/^pong (\d+) from (\S+) \(os pid (\d+)\)/gm)];
    expect(pongs.map((m) => Number(m[1]))).toEqual([1, 2, 3, 4, 5]);
    expect(pongs.every((m) => m[2] === ready![1] && m[3] === osPids[2])).toBe(true);
    expect(out).toMatch(/\[pinger\] 5 round trips: p50 \d+ us, p99 \d+ us/);
  });

  test('the pinger notices a ponger that is killed, and exits with status 1', async () => {
    const ponger = run('examples/ping-pong/ponger.ts', []);
    await waitForOutput(ponger, (o) => /ponger ready at (\S+)/.test(o), 'the ponger ready');
    const pid = /ponger ready at (\S+)/.exec(ponger.out())![1]!;
    await ponger.stop('SIGKILL');
    const { code, err } = await run('examples/ping-pong/pinger.ts', [pid, '3']).result;
    expect(err).toContain(`lost the ponger ${pid}`);
    expect(code).toBe(1);
  });

  test('a bad count is refused with a clear message', async () => {
    const { code, err } = await run('examples/ping-pong/main.ts', ['zero']).result;
    expect(code).toBe(2);
    expect(err).toContain('ping-pong: count must be a positive integer, got "zero"');
  });
});
