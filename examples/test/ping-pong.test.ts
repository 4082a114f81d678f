// The ping-pong example end to end: two real OS processes, the launcher's
// output, the exit status; and the pinger's own exit when its ponger dies.
import { describe, test, expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const loader = fileURLToPath(new URL('../../test/ts-loader.mjs', import.meta.url));

function run(file: string, args: string[]): { done: Promise<{ code: number | null; out: string; err: string }>; child: ReturnType<typeof spawn> } {
  const child = spawn(process.execPath, ['--import', loader, '--no-warnings', file, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.once('close', (code) => resolve({ code, out, err })));
  return { done, child };
}

describe('examples/ping-pong', () => {
  test('one command: two OS processes ping and pong', async () => {
    const { code, out, err } = await run('examples/ping-pong/main.ts', ['5']).done;
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
    const pid = await new Promise<string>((resolve) => {
      let seen = '';
      ponger.child.stdout!.on('data', (c: Buffer) => {
        seen += c.toString();
        const m = /ponger ready at (\S+)/.exec(seen);
        if (m) resolve(m[1]!);
      });
    });
    ponger.child.kill('SIGKILL');
    await ponger.done;
    const { code, err } = await run('examples/ping-pong/pinger.ts', [pid, '3']).done;
    expect(err).toContain(`lost the ponger ${pid}`);
    expect(code).toBe(1);
  });

  test('a bad count is refused with a clear message', async () => {
    const { code, err } = await run('examples/ping-pong/main.ts', ['zero']).done;
    expect(code).toBe(2);
    expect(err).toContain('ping-pong: count must be a positive integer, got "zero"');
  });
});
