import { describe, expect, test } from '@jest/globals';
import { Process } from '../src/process.js';
import type { Handlers } from '../src/protocol.js';
import { simulation } from './helpers/sim.js';
import { MemoryTransport, SimulatedNetwork } from '../src/memory-transport.js';
import { Runtime } from '../src/runtime.js';
import { VirtualClock } from '../src/virtual-clock.js';
import { createLogger } from '../src/logging.js';

type Seq = { n: number };

class Sink extends Process<Seq> {
  readonly seen: [number, number][] = [];
  protected handlers(): Handlers<Seq> {
    return { n: (n) => this.seen.push([n, this.clock.now()]) };
  }
}

/** Handles `n` by sending itself n + 1, up to `until`. */
class Counter extends Process<Seq> {
  last = -1;
  constructor(readonly until: number) {
    super();
  }
  protected handlers(): Handlers<Seq> {
    return {
      n: (n) => {
        this.last = n;
        if (n < this.until) this.send(this.pid, 'n', n + 1);
      },
    };
  }
}

/** Sends 0..count-1 from node0 to a sink on node1 and returns what arrived and when. */
async function run(seed: number, options: Parameters<typeof simulation>[0]) {
  const sim = await simulation({ seed, ...options });
  const [a, b] = sim.runtimes as [(typeof sim.runtimes)[0], (typeof sim.runtimes)[0]];
  const sink = new Sink();
  const pid = b.spawn(sink, 'sink');
  // One message a millisecond, each in a frame of its own (a loss resets the connection and loses the rest of its frame).
  for (let n = 0; n < 200; n++) {
    a.post(`src@${a.address}`, pid, 'n', n);
    await sim.clock.advance(1);
  }
  await sim.clock.advance(1000);
  await sim.stop();
  return { seen: sink.seen, counters: { ...sim.network.counters } };
}

describe('SimulatedNetwork', () => {
  test('is FIFO per connection with latency in range when there are no faults', async () => {
    const { seen, counters } = await run(1, { latencyMs: [10, 30] });
    expect(seen.map(([n]) => n)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const start = seen[0]![1] - 10;
    for (const [, at] of seen) expect(at - start).toBeGreaterThanOrEqual(10);
    expect(counters.messages_delivered).toBe(200);
  });

  test('loss, duplication and reordering happen, and the same seed replays the same trace', async () => {
    const faults = { latencyMs: [1, 50] as const, loss: 0.1, duplicate: 0.1, reorder: 0.2 };
    const seed = 12345;
    const first = await run(seed, faults);
    const second = await run(seed, faults);
    expect(second.seen).toEqual(first.seen);
    const other = await run(seed + 1, faults);
    expect(other.seen).not.toEqual(first.seen);
    const ns = first.seen.map(([n]) => n);
    expect(first.counters.messages_lost).toBeGreaterThan(0);
    expect(first.counters.connections_broken).toBeGreaterThan(0); // each loss reset the connection
    expect(first.counters.messages_duplicated).toBeGreaterThan(0);
    expect(new Set(ns).size).toBeLessThan(200);
    expect(ns.length).toBeGreaterThan(new Set(ns).size);
    expect(ns).not.toEqual([...ns].sort((x, y) => x - y));
  });

  test('a lost message resets its connection, as TCP would: both ends see it go, the rest of its frame and what was in flight are lost, the next message opens a new one', async () => {
    const clock = new VirtualClock();
    const network = new SimulatedNetwork({ clock, seed: 1, latencyMs: 5 });
    const events = (name: string, log: string[]) => ({
      deliver: (ms: readonly { body: unknown }[]) => log.push(...ms.map((m) => `${name} got ${String(m.body)}`)),
      peerDown: (peer: string) => log.push(`${name} lost ${peer}`),
      connected: () => {},
      badInput: () => {},
      http: () => Promise.reject(new Error('no HTTP on the simulated network')),
    });
    const log: string[] = [];
    const a = new MemoryTransport(network, 'a', 1);
    const b = new MemoryTransport(network, 'b', 2);
    await a.start(events('a', log));
    await b.start(events('b', log));
    const send = (n: number): void => a.send('b:2', { from: 'x@a:1', to: 'y@b:2', name: 'n', body: n });
    send(1); // in flight when the loss comes
    await clock.advance(1);
    network.setFaults({ loss: 1 });
    send(2);
    send(3); // same frame as 2
    await clock.advance(1);
    network.setFaults({ loss: 0 });
    await clock.advance(20);
    expect(log.sort()).toEqual(['a lost b:2', 'b lost a:1']);
    expect(network.counters.messages_lost).toBe(2);
    expect(network.counters.messages_dropped_partition).toBe(1); // 1, on the connection that broke
    expect(network.counters.connections_broken).toBe(1);
    log.length = 0;
    send(4);
    await clock.advance(20);
    expect(log).toEqual(['b got 4']);
    expect(network.counters.connections_opened).toBe(2);
    await a.stop();
    await b.stop();
  });

  test('a one-way cut: silent keeps the connection and loses what goes the cut way; reset breaks the connection as the loss happens', async () => {
    for (const mode of ['silent', 'reset'] as const) {
      const { clock, network, runtimes, stop } = await simulation({ latencyMs: 5 });
      const [a, b] = runtimes as [(typeof runtimes)[0], (typeof runtimes)[0]];
      const atA = new Sink();
      const atB = new Sink();
      const pidA = a.spawn(atA, 'sink');
      const pidB = b.spawn(atB, 'sink');
      a.post(`src@${a.address}`, pidB, 'n', 1);
      await clock.advance(20);
      network.cutOneWay(a.address, b.address, mode);
      a.post(`src@${a.address}`, pidB, 'n', 2);
      await clock.advance(20);
      b.post(`src@${b.address}`, pidA, 'n', 3);
      await clock.advance(20);
      expect(atB.seen.map(([n]) => n)).toEqual([1]);
      expect(atA.seen.map(([n]) => n)).toEqual([3]); // the other way goes through
      expect(network.counters.messages_lost).toBe(1);
      expect(network.counters.connections_broken).toBe(mode === 'reset' ? 1 : 0);
      expect(network.counters.connections_opened).toBe(mode === 'reset' ? 2 : 1);
      await stop();
    }
  });

  test('a cut drops messages and breaks the connection; heal lets them through again', async () => {
    const { clock, network, runtimes, stop } = await simulation({ latencyMs: 5 });
    const [a, b] = runtimes as [(typeof runtimes)[0], (typeof runtimes)[0]];
    const sink = new Sink();
    const pid = b.spawn(sink, 'sink');
    a.post(`src@${a.address}`, pid, 'n', 1);
    await clock.advance(2);
    network.cut(a.address, b.address);
    expect(network.reachable(a.address, b.address)).toBe(false);
    a.post(`src@${a.address}`, pid, 'n', 2);
    await clock.advance(20);
    expect(sink.seen.map(([n]) => n)).toEqual([]);
    network.heal();
    a.post(`src@${a.address}`, pid, 'n', 3);
    await clock.advance(20);
    expect(sink.seen.map(([n]) => n)).toEqual([3]);
    network.isolate(b.address);
    a.post(`src@${a.address}`, pid, 'n', 4);
    await clock.advance(20);
    expect(sink.seen.map(([n]) => n)).toEqual([3]);
    await stop();
  });

  test('bodies go through the wire encoding: what cannot be encoded never arrives looking fine', async () => {
    const { clock, runtimes, stop } = await simulation({});
    const [a, b] = runtimes as [(typeof runtimes)[0], (typeof runtimes)[0]];
    const got: unknown[] = [];
    class Any extends Process<{ any: unknown }> {
      protected handlers(): Handlers<{ any: unknown }> {
        return { any: (body) => got.push(body) };
      }
    }
    const pid = b.spawn(new Any(), 'any');
    const body = { list: [1, 'two', null, true], bytes: new Uint8Array([1, 2, 3]), nested: { x: 1.5 } };
    a.post(`src@${a.address}`, pid, 'any', body);
    await clock.settle();
    expect(got).toEqual([body]);
    expect(got[0]).not.toBe(body);
    await stop();
  });

  test('with loopback, two runtimes of one host get no faults and no partition between them; other hosts do', async () => {
    const clock = new VirtualClock();
    const network = new SimulatedNetwork({ clock, seed: 3, latencyMs: [1, 5], loss: 0.5, duplicate: 0.5, reorder: 0.5, loopback: true });
    const start = async (host: string, port: number): Promise<Runtime> => new Runtime({ transport: new MemoryTransport(network, host, port), clock, name: `${host}:${port}`, logger: createLogger(host, 'silent') }).start();
    const agent = await start('a1', 5051);
    const executor = await start('a1', 7001);
    const master = await start('m1', 5050);
    const local = new Sink();
    const remote = new Sink();
    const localPid = executor.spawn(local, 'sink');
    const remotePid = master.spawn(remote, 'sink');
    network.isolate(agent.address);
    network.cut(agent.address, executor.address);
    expect(network.reachable(agent.address, executor.address)).toBe(true);
    expect(network.reachable(agent.address, master.address)).toBe(false);
    for (let n = 0; n < 100; n++) {
      agent.post(`src@${agent.address}`, localPid, 'n', n);
      agent.post(`src@${agent.address}`, remotePid, 'n', n);
    }
    await clock.advance(1000);
    expect(local.seen.map(([n]) => n)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(remote.seen).toEqual([]);
    network.heal();
    for (let n = 0; n < 100; n++) {
      agent.post(`src@${agent.address}`, remotePid, 'n', n);
      await clock.advance(1);
    }
    await clock.advance(1000);
    expect(remote.seen.length).toBeGreaterThan(0);
    expect(remote.seen.map(([n]) => n)).not.toEqual(Array.from({ length: 100 }, (_, i) => i)); // lost, duplicated or reordered
    for (const r of [agent, executor, master]) await r.stop();
  });
});

describe('VirtualClock', () => {
  test('fires timers in time order, ties in creation order, and only when advanced', async () => {
    const { clock, stop } = await simulation({}, 0);
    const fired: string[] = [];
    clock.timer(20, () => fired.push('b'));
    clock.timer(10, () => fired.push('a'));
    clock.timer(20, () => fired.push('c'));
    const cancelled = clock.timer(15, () => fired.push('x'));
    cancelled.cancel();
    await clock.settle();
    expect(fired).toEqual([]);
    await clock.advance(20);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.pendingTimers).toBe(0);
    await expect(clock.advance(-1)).rejects.toThrow('non-negative');
    await stop();
  });

  test('a probe that pokes is asked only after a poke, and settle waits until it is idle; others are asked every turn', async () => {
    const clock = new VirtualClock();
    let busyTurns = 0;
    let asked = 0;
    const poking = (): boolean => {
      asked++;
      return busyTurns-- > 0;
    };
    let plainAsked = 0;
    clock.register(() => (plainAsked++, false));
    clock.register(poking, true);
    await clock.settle(); // asked once after registering (it may have work), idle
    expect(asked).toBe(1);
    await clock.settle();
    expect(asked).toBe(1); // not poked since it was found idle: not asked
    expect(plainAsked).toBeGreaterThanOrEqual(6);
    busyTurns = 4;
    clock.poke(poking);
    await clock.settle(); // asked every turn while busy, until it says idle
    expect(asked).toBe(1 + 5);
    expect(busyTurns).toBe(-1);
  });

  test('a runtime on a virtual clock pokes it: settle waits for work that outlasts one drain (continued after I/O)', async () => {
    const { clock, runtimes, stop } = await simulation({}, 1);
    // 400,000 messages in one chain: eight drain budgets, each continued a turn later (setImmediate).
    const counter = new Counter(400_000);
    const pid = runtimes[0]!.spawn(counter);
    await clock.settle();
    runtimes[0]!.post(pid, pid, 'n', 0);
    await clock.settle();
    expect(counter.last).toBe(400_000);
    await stop();
  }, 60_000);
});
