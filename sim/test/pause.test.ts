// A paused process (sim/pause.ts): its timers and its input wait while the world goes on, its connections stay up,
// and on resume it runs the timers that came due, then reads each connection in turn, each in its own order.
import { describe, expect, test } from '@jest/globals';
import { Random, type Envelope, type TransportEvents } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock } from 'libprocess-ts/testing';
import { ProcessTable, SimContainerizer, planCommand } from '../containerizer.js';
import { PausableClock, PausableTransport } from '../pause.js';

function world() {
  const clock = new VirtualClock();
  const network = new SimulatedNetwork({ clock, latencyMs: 1 });
  const log: string[] = [];
  const node = async (host: string): Promise<PausableTransport> => {
    const t = new PausableTransport(network, host, 1);
    const events: TransportEvents = {
      deliver: (messages, peer) => messages.forEach((m) => log.push(`${host} <- ${peer} ${m.name}`)),
      peerDown: (peer) => void log.push(`${host}: ${peer} down`),
      connected: () => {},
      badInput: () => {},
      http: () => Promise.reject(new Error('no HTTP on the simulated network')),
    };
    await t.start(events);
    return t;
  };
  const msg = (from: string, to: string, name: string): Envelope => ({ from: `p@${from}:1`, to: `p@${to}:1`, name, body: {} });
  return { clock, network, log, node, msg };
}

describe('a paused process', () => {
  test('reads nothing while paused; on resume, each connection in order, then its own output goes out', async () => {
    const w = world();
    const a = await w.node('a');
    const b = await w.node('b');
    const c = await w.node('c');
    b.pause();
    a.send('b:1', w.msg('a', 'b', 'a1'));
    c.send('b:1', w.msg('c', 'b', 'c1'));
    a.send('b:1', w.msg('a', 'b', 'a2'));
    c.send('b:1', w.msg('c', 'b', 'c2'));
    b.send('a:1', w.msg('b', 'a', 'said while paused'));
    await w.clock.advance(1000);
    expect(w.log).toEqual([]); // nothing read, nothing sent: the links stay up (no peerDown either)
    expect(w.network.reachable('a:1', 'b:1')).toBe(true);
    b.resume(new Random(1));
    await w.clock.advance(10);
    const read = w.log.filter((l) => l.startsWith('b <-'));
    expect(read).toHaveLength(4);
    // Each connection's own order holds, whatever order the connections are read in; one connection at a time.
    expect(read.filter((l) => l.includes('a:1'))).toEqual(['b <- a:1 a1', 'b <- a:1 a2']);
    expect(read.filter((l) => l.includes('c:1'))).toEqual(['b <- c:1 c1', 'b <- c:1 c2']);
    expect(read[0]!.slice(0, 8)).toBe(read[1]!.slice(0, 8));
    expect(w.log).toContain('a <- b:1 said while paused');
  });

  test('the order connections are read in is drawn: both orders happen over seeds', async () => {
    const firsts = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) {
      const w = world();
      const a = await w.node('a');
      const b = await w.node('b');
      const c = await w.node('c');
      b.pause();
      a.send('b:1', w.msg('a', 'b', 'x'));
      await w.clock.advance(5);
      c.send('b:1', w.msg('c', 'b', 'y'));
      await w.clock.advance(5);
      b.resume(new Random(seed));
      await w.clock.advance(5);
      firsts.add(w.log[0]!);
    }
    expect([...firsts].sort()).toEqual(['b <- a:1 x', 'b <- c:1 y']);
  });

  test('a stopped (killed) paused process reads and sends nothing of what waited', async () => {
    const w = world();
    const a = await w.node('a');
    const b = await w.node('b');
    b.pause();
    a.send('b:1', w.msg('a', 'b', 'lost'));
    b.send('a:1', w.msg('b', 'a', 'never sent'));
    await w.clock.advance(10);
    await b.stop();
    await w.clock.advance(10);
    expect(w.log.filter((l) => !l.endsWith('down'))).toEqual([]);
  });
});

describe("a paused process's clock", () => {
  test('timers due while paused run at the resume, in order; a timer cancelled meanwhile never runs', async () => {
    const base = new VirtualClock();
    const clock = new PausableClock(base);
    const fired: string[] = [];
    clock.timer(10, () => fired.push(`t1 at ${base.now() - clock.now()}`));
    const t2 = clock.timer(20, () => fired.push('t2'));
    clock.timer(30, () => fired.push('t3'));
    clock.timer(500, () => fired.push('t4'));
    clock.pause();
    await base.advance(100);
    expect(fired).toEqual([]);
    t2.cancel();
    clock.resume();
    expect(fired).toEqual(['t1 at 0', 't3']);
    await base.advance(1000);
    expect(fired).toEqual(['t1 at 0', 't3', 't4']);
    clock.timer(1, () => fired.push('t5'));
    clock.pause();
    clock.discard(); // killed while paused
    await base.advance(10);
    expect(fired).toHaveLength(3);
  });
});

describe("a paused agent's containerizer", () => {
  test('a launch done and a task ending reach the agent only when it resumes; nothing once it is killed', async () => {
    const base = new VirtualClock();
    const clock = new PausableClock(base);
    const table = new ProcessTable(base, new Random(1), () => {});
    const cz = new SimContainerizer(table, (fn) => clock.run(fn));
    const launch = (id: string, runMs: number) => cz.launch({ containerId: id, command: { shell: true, value: planCommand(runMs, 0) }, sandbox: `/s/${id}`, limits: {}, frameworkId: 'f', taskId: id });
    const seen: string[] = [];
    const c1 = await launch('c1', 100);
    void c1.wait().then((t) => seen.push(`c1 ${t.status?.message}`));
    clock.pause();
    let launched = false;
    void launch('c2', 50).then(() => (launched = true));
    await base.advance(500);
    // The machine went on: c1 ended, c2 started (and ended); the paused agent has been told nothing.
    expect(table.procs.get('c1')!.running).toBe(false);
    expect(table.procs.get('c2')).toBeDefined();
    expect(seen).toEqual([]);
    expect(launched).toBe(false);
    clock.resume();
    await base.advance(1);
    expect(seen).toEqual(['c1 Command exited with status 0']);
    expect(launched).toBe(true);
    // Killed while paused: what it would have been told never arrives.
    const c3 = await launch('c3', 10);
    void c3.wait().then(() => seen.push('c3'));
    clock.pause();
    clock.discard();
    await base.advance(100);
    expect(seen).toHaveLength(1);
  });
});
