// A remote message for an idle process is handled as it arrives (runtime.ts #serveNow), without a trip through
// its mailbox. What must still hold: one handler at a time (no re-entry, even when a transport delivers from
// inside a handler), messages from one sender in the order sent, and every remote sender checked.
import { afterEach, describe, expect, test } from '@jest/globals';
import { MemoryTransport, SimulatedNetwork } from '../src/memory-transport.js';
import { Process } from '../src/process.js';
import type { Handlers } from '../src/protocol.js';
import { Runtime } from '../src/runtime.js';
import { VirtualClock } from '../src/virtual-clock.js';
import { createLogger } from '../src/logging.js';

type Notes = { note: number; inner: number };

/** Records what it handles, and whether a handler started while another of its own ran. */
class Recorder extends Process<Notes> {
  readonly seen: string[] = [];
  running = false;
  overlapped = false;
  /** Run inside the handler of `note` (before it returns). */
  during: (n: number) => void = () => {};
  #ready: Promise<void> = Promise.resolve();
  release: () => void = () => {};

  /** Makes `initialize` wait until `release()` (messages meanwhile queue). */
  holdStart(): void {
    this.#ready = new Promise((resolve) => (this.release = resolve));
  }

  override initialize(): Promise<void> {
    return this.#ready;
  }

  protected handlers(): Handlers<Notes> {
    const enter = (what: string, run: () => void): void => {
      if (this.running) this.overlapped = true;
      this.running = true;
      this.seen.push(what);
      try {
        run();
      } finally {
        this.running = false;
      }
    };
    return {
      note: (n) => enter(`note ${n}`, () => this.during(n)),
      inner: (n) => enter(`inner ${n}`, () => {}),
    };
  }
}

const REMOTE = 'far:1';
const X = `x@${REMOTE}`;
const Y = `y@${REMOTE}`;

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

async function start(): Promise<{ runtime: Runtime; transport: MemoryTransport; clock: VirtualClock }> {
  const clock = new VirtualClock();
  const network = new SimulatedNetwork({ clock, seed: 1 });
  const transport = network.transport('near');
  runtime = await new Runtime({ transport, clock, name: 'near', logger: createLogger('near', 'silent') }).start();
  return { runtime, transport, clock };
}

describe('remote messages for an idle process run as they arrive', () => {
  test('a transport delivering from inside a handler does not re-enter it: the message waits its turn', async () => {
    const { runtime: r, transport, clock } = await start();
    const a = new Recorder();
    const pid = r.spawn(a, 'a').toString();
    await clock.settle();
    a.during = (n) => {
      // As a transport that delivers synchronously would: a second message for `a` while its handler runs.
      if (n === 1) transport._deliver([{ from: Y, to: pid, name: 'inner', body: 1 }], REMOTE);
      a.seen.push(`end ${n}`);
    };
    transport._deliver([{ from: X, to: pid, name: 'note', body: 1 }], REMOTE);
    // The first ran at once; the one delivered inside it waits for the drain.
    expect(a.seen).toEqual(['note 1', 'end 1']);
    await clock.settle();
    expect(a.seen).toEqual(['note 1', 'end 1', 'inner 1']);
    expect(a.overlapped).toBe(false);
  });

  test("no handler runs inside another runtime's handler: a delivery from inside one waits for the drain", async () => {
    const { runtime: r, transport, clock } = await start();
    const network2 = new SimulatedNetwork({ clock, seed: 2 });
    const transport2 = network2.transport('second');
    const r2 = await new Runtime({ transport: transport2, clock, name: 'second', logger: createLogger('second', 'silent') }).start();
    try {
      const a = new Recorder();
      const b = new Recorder();
      const pa = r.spawn(a, 'a').toString();
      const pb = r2.spawn(b, 'b').toString();
      await clock.settle();
      a.during = () => {
        // As a transport of another runtime that delivers synchronously: b is idle, its runtime drains nothing.
        transport2._deliver([{ from: X, to: pb, name: 'note', body: 7 }], REMOTE);
        a.seen.push(`b had ${b.seen.length}`);
      };
      transport._deliver([{ from: X, to: pa, name: 'note', body: 1 }], REMOTE);
      expect(a.seen).toEqual(['note 1', 'b had 0']);
      await clock.settle();
      expect(b.seen).toEqual(['note 7']);
    } finally {
      await r2.stop();
    }
  });

  test('messages that arrive while earlier ones wait in the mailbox queue behind them, in the order sent', async () => {
    const { runtime: r, transport, clock } = await start();
    const a = new Recorder();
    a.holdStart();
    const pid = r.spawn(a, 'a').toString();
    transport._deliver([{ from: X, to: pid, name: 'note', body: 1 }, { from: X, to: pid, name: 'note', body: 2 }], REMOTE);
    a.release();
    // Ready now, but 1 and 2 still wait: 3 must not overtake them.
    await Promise.resolve();
    transport._deliver([{ from: X, to: pid, name: 'note', body: 3 }], REMOTE);
    await clock.settle();
    expect(a.seen).toEqual(['note 1', 'note 2', 'note 3']);
    // Idle again: 4 and 5 run as they arrive, still in order.
    transport._deliver([{ from: X, to: pid, name: 'note', body: 4 }, { from: X, to: pid, name: 'note', body: 5 }], REMOTE);
    expect(a.seen).toEqual(['note 1', 'note 2', 'note 3', 'note 4', 'note 5']);
  });

  test('a message a handler sends its own process runs before the next remote message, which then waits', async () => {
    const { runtime: r, transport, clock } = await start();
    const a = new Recorder();
    const pid = r.spawn(a, 'a');
    await clock.settle();
    a.during = (n) => {
      if (n === 1) a.send(pid, 'inner', 1);
    };
    transport._deliver([{ from: X, to: pid.toString(), name: 'note', body: 1 }, { from: X, to: pid.toString(), name: 'note', body: 2 }], REMOTE);
    await clock.settle();
    expect(a.seen).toEqual(['note 1', 'inner 1', 'note 2']);
    expect(a.overlapped).toBe(false);
  });

  test('messages handled as they arrive and the drain after them share one turn budget, then the runtime yields to I/O', async () => {
    const { runtime: r, transport, clock } = await start();
    const a = new Recorder();
    const pid = r.spawn(a, 'a').toString();
    await clock.settle();
    let n = 0;
    a.during = () => n++;
    const budget = 50_000; // runtime.ts DRAIN_BUDGET
    const flood = Array.from({ length: budget + 10 }, (_, i) => ({ from: X, to: pid, name: 'note' as const, body: i }));
    transport._deliver(flood, REMOTE);
    // The budget's worth ran at once; the rest waits in the mailbox.
    expect(n).toBe(budget);
    // The drain that follows in the same turn has nothing left to spend: it yields to I/O first.
    await Promise.resolve();
    await Promise.resolve();
    expect(n).toBe(budget);
    await new Promise((resolve) => setImmediate(resolve));
    await clock.settle();
    expect(n).toBe(budget + 10);
    expect(a.seen.slice(budget - 1, budget + 1)).toEqual([`note ${budget - 1}`, `note ${budget}`]);
  });

  test('senders are still checked, and local-only messages refused, on the direct path', async () => {
    const { runtime: r, transport, clock } = await start();
    class Internal extends Recorder {
      protected override localOnly(): readonly (keyof Notes & string)[] {
        return ['inner'];
      }
    }
    const a = new Internal();
    const pid = r.spawn(a, 'a').toString();
    await clock.settle();
    transport._deliver(
      [
        { from: 'master@elsewhere:5050', to: pid, name: 'note', body: 1 },
        { from: X, to: pid, name: 'inner', body: 2 },
        { from: X, to: pid, name: 'note', body: 3 },
      ],
      REMOTE,
    );
    expect(a.seen).toEqual(['note 3']);
    expect(r.metrics()['spoofed_sender']).toBe(1);
    expect(r.metrics()['local_only']).toBe(1);
    expect(r.metrics()['messages_handled']).toBe(1);
  });
});
