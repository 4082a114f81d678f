// RuntimeOptions.maxDrainMs: a burst of slow events yields to timers and I/O
// after that much real time, instead of holding the event loop until the
// burst is served; without it the burst is served in one turn. What is
// checked is the order of events (a clock timer between the burst's events),
// not how long anything took.
import { afterEach, describe, expect, test } from '@jest/globals';
import { Process } from '../src/process.js';
import type { Handlers } from '../src/protocol.js';
import { realClock } from '../src/real-clock.js';
import { Runtime } from '../src/runtime.js';
import { WsTransport } from '../src/ws-transport.js';
import { silentLogger } from './helpers/ws-harness.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const runtimes: Runtime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
});

type Work = { work: null };
class Busy extends Process<Work> {
  readonly order: string[] = [];
  constructor(private readonly done: () => void, private readonly total: number) {
    super();
  }
  protected handlers(): Handlers<Work> {
    return {
      work: () => {
        // A slow event: 2 ms of CPU.
        const end = performance.now() + 2;
        while (performance.now() < end);
        this.order.push('work');
        if (this.order.filter((o) => o === 'work').length === this.total) this.done();
      },
    };
  }
}

async function burst(maxDrainMs: number | undefined): Promise<string[]> {
  const transport = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: silentLogger });
  const r = await new Runtime({ transport, logger: quiet as never, ...(maxDrainMs !== undefined ? { maxDrainMs } : {}) }).start();
  runtimes.push(r);
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const busy = new Busy(() => finished(), 30);
  const pid = r.spawn(busy, 'busy');
  await new Promise<void>((resolve) => realClock.timer(0, resolve)); // spawned and initialized
  realClock.timer(0, () => busy.order.push('timer'));
  for (let i = 0; i < 30; i++) r.post(pid, pid, 'work', null);
  await done;
  await new Promise<void>((resolve) => realClock.timer(1, resolve));
  return busy.order;
}

describe('Runtime maxDrainMs', () => {
  test('without it, a burst posted in one turn is served before a due timer', async () => {
    const order = await burst(undefined);
    expect(order.indexOf('timer')).toBe(30);
  });

  test('with it, a due timer runs in the middle of a slow burst', async () => {
    const order = await burst(5);
    const at = order.indexOf('timer');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(30);
  });

  test('a bad value is refused', () => {
    const transport = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: silentLogger });
    expect(() => new Runtime({ transport, logger: quiet as never, maxDrainMs: 0 })).toThrow('maxDrainMs must be a positive number of ms, got 0');
  });
});
