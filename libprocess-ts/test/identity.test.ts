// Identity on the simulated network: authenticated connections, senders bound
// to the connection they arrive on, live addresses that cannot be taken over,
// local-only processes. An attacker is just another runtime on the network
// (or one that claims someone else's address, as a raw WebSocket client can).
import { describe, expect, test } from '@jest/globals';
import type { AuthOptions } from '../src/auth.js';
import { createLogger } from '../src/logging.js';
import { SimulatedNetwork, type MemoryTransportOptions } from '../src/memory-transport.js';
import { Process } from '../src/process.js';
import type { Handlers } from '../src/protocol.js';
import type { PID } from '../src/pid.js';
import { Runtime } from '../src/runtime.js';
import { VirtualClock } from '../src/virtual-clock.js';

type Inbox = { note: { n: number }; internal: { n: number } };

/** Records what it accepts, with the principal of each sender. */
class Recorder extends Process<Inbox> {
  readonly seen: Array<{ name: string; n: number; from: string; principal: string | undefined }> = [];
  constructor(private readonly local: boolean | readonly (keyof Inbox & string)[] = false) {
    super();
  }
  protected override localOnly(): boolean | readonly (keyof Inbox & string)[] {
    return this.local;
  }
  protected handlers(): Handlers<Inbox> {
    return {
      note: ({ n }, from) => this.seen.push({ name: 'note', n, from: from.toString(), principal: this.principalOf(from) }),
      internal: ({ n }, from) => this.seen.push({ name: 'internal', n, from: from.toString(), principal: this.principalOf(from) }),
    };
  }
}

const cluster = (principal: string): AuthOptions => ({ principal, secret: 'cluster-secret', secrets: new Map([['cluster', 'cluster-secret'], ['fw', 'fw-secret']]) });

async function world() {
  const clock = new VirtualClock();
  const net = new SimulatedNetwork({ clock, seed: 3, latencyMs: 1 });
  const runtimes: Runtime[] = [];
  const start = async (name: string, options: MemoryTransportOptions = {}): Promise<Runtime> => {
    const r = await new Runtime({ transport: net.transport(name, options), clock, name, logger: createLogger(name, 'silent') }).start();
    runtimes.push(r);
    return r;
  };
  const stop = async (): Promise<void> => {
    for (const r of runtimes) await r.stop();
  };
  return { clock, net, start, stop };
}

describe('identity on the simulated network', () => {
  test('an authenticated peer is attributed its principal; a local sender the runtime its own', async () => {
    const { clock, start, stop } = await world();
    const master = await start('master', { auth: cluster('cluster') });
    const fw = await start('fw', { auth: { principal: 'fw', secret: 'fw-secret' } });
    const rec = new Recorder();
    const pid = master.spawn(rec, 'rec');
    fw.post(`sched@${fw.address}`, pid, 'note', { n: 1 });
    master.post(`other@${master.address}`, pid, 'note', { n: 2 });
    await clock.advance(10);
    expect(rec.seen).toEqual([
      { name: 'note', n: 2, from: `other@${master.address}`, principal: 'cluster' },
      { name: 'note', n: 1, from: `sched@${fw.address}`, principal: 'fw' },
    ]);
    await stop();
  });

  test('a wrong secret, an unknown principal or no credentials at all are refused; the target keeps serving', async () => {
    const { clock, net, start, stop } = await world();
    const master = await start('master', { auth: cluster('cluster') });
    const rec = new Recorder();
    const pid = master.spawn(rec, 'rec');
    const wrong = await start('wrong', { auth: { principal: 'fw', secret: 'guess' } });
    const unknown = await start('unknown', { auth: { principal: 'mallory', secret: 'm' } });
    const anonymous = await start('anonymous');
    for (const r of [wrong, unknown, anonymous]) r.post(`x@${r.address}`, pid, 'note', { n: 1 });
    await clock.advance(10);
    expect(rec.seen).toEqual([]);
    expect(net.counters.auth_failures).toBe(3);
    expect(master.metrics()['auth_failure']).toBe(3);
    const good = await start('good', { auth: { principal: 'fw', secret: 'fw-secret' } });
    good.post(`x@${good.address}`, pid, 'note', { n: 2 });
    await clock.advance(10);
    expect(rec.seen.map((s) => s.n)).toEqual([2]);
    await stop();
  });

  test("a message whose `from` is not at the sender's address is dropped and counted, with or without authentication", async () => {
    for (const auth of [true, false]) {
      const { clock, start, stop } = await world();
      const target = await start('agent', auth ? { auth: cluster('cluster') } : {});
      const master = await start('master', auth ? { auth: cluster('cluster') } : {});
      const attacker = await start('attacker', auth ? { auth: { principal: 'fw', secret: 'fw-secret' } } : {});
      const rec = new Recorder();
      const pid = target.spawn(rec, 'slave(1)');
      attacker.post(`master@${master.address}`, pid, 'note', { n: 666 });
      attacker.post(`x@${attacker.address}`, pid, 'note', { n: 1 });
      await clock.advance(10);
      expect(rec.seen.map((s) => [s.n, s.from])).toEqual([[1, `x@${attacker.address}`]]);
      expect(target.metrics()['spoofed_sender']).toBe(1);
      await stop();
    }
  });

  test('a second connection claiming a live address under another principal is refused; the live one keeps serving', async () => {
    const { clock, net, start, stop } = await world();
    const master = await start('master', { auth: cluster('cluster') });
    const agent = await start('agent', { auth: cluster('cluster') });
    const rec = new Recorder();
    const pid = master.spawn(rec, 'rec');
    agent.post(`slave(1)@${agent.address}`, pid, 'note', { n: 1 });
    await clock.advance(10);
    // A framework principal tries to take the agent's address over.
    const impostor = await start('impostor', { auth: { principal: 'fw', secret: 'fw-secret' }, claim: agent.address });
    impostor.post(`slave(1)@${agent.address}`, pid, 'note', { n: 666 });
    await clock.advance(10);
    expect(net.counters.hijacks_refused).toBe(1);
    expect(master.metrics()['hijack_refused']).toBe(1);
    agent.post(`slave(1)@${agent.address}`, pid, 'note', { n: 2 });
    await clock.advance(10);
    expect(rec.seen.map((s) => [s.n, s.principal])).toEqual([[1, 'cluster'], [2, 'cluster']]);
    await stop();
  });

  test('the same principal may replace its own live connection (a restarted peer)', async () => {
    const { clock, start, stop } = await world();
    const master = await start('master', { auth: cluster('cluster') });
    const agent = await start('agent', { auth: cluster('cluster') });
    const rec = new Recorder();
    const pid = master.spawn(rec, 'rec');
    agent.post(`slave(1)@${agent.address}`, pid, 'note', { n: 1 });
    await clock.advance(10);
    const again = await start('again', { auth: cluster('cluster'), claim: agent.address });
    again.post(`slave(1)@${agent.address}`, pid, 'note', { n: 2 });
    await clock.advance(10);
    expect(rec.seen.map((s) => s.n)).toEqual([1, 2]);
    await stop();
  });

  test('a runtime redials a peer that knows only its own secret as the principal that peer authenticated as', async () => {
    const { clock, net, start, stop } = await world();
    const master = await start('master', { auth: cluster('cluster') });
    const fw = await start('fw', { auth: { principal: 'fw', secret: 'fw-secret' } });
    const other = await start('other', { auth: { principal: 'other', secret: 'o' } });
    const atFw = new Recorder();
    const fwPid = fw.spawn(atFw, 'sched');
    const atMaster = new Recorder();
    const masterPid = master.spawn(atMaster, 'master');
    fw.post(fwPid, masterPid, 'note', { n: 1 }); // the framework dials: the master learns it is 'fw'
    await clock.advance(10);
    net.cut(master.address, fw.address);
    await clock.advance(10);
    net.heal();
    master.post(masterPid, fwPid, 'note', { n: 2 }); // the master dials back as 'fw'
    master.post(masterPid, `x@${other.address}`, 'note', { n: 3 }); // never met: dials as 'cluster', which 'other' does not know
    await clock.advance(10);
    expect(atFw.seen.map((s) => [s.n, s.principal])).toEqual([[2, 'fw']]);
    expect(other.metrics()['auth_failure']).toBe(1);
    await stop();
  });

  test('a runtime that does not require authentication takes unauthenticated peers, attributed no principal', async () => {
    const { clock, start, stop } = await world();
    const agent = await start('agent', { auth: { ...cluster('cluster'), required: false } });
    const executor = await start('executor');
    const rec = new Recorder();
    const pid = agent.spawn(rec, 'slave(1)');
    executor.post(`executor@${executor.address}`, pid, 'note', { n: 1 });
    await clock.advance(10);
    expect(rec.seen.map((s) => [s.n, s.principal])).toEqual([[1, undefined]]);
    await stop();
  });

  test('local-only processes and message names accept nothing from another runtime', async () => {
    const { clock, start, stop } = await world();
    const master = await start('master', { auth: cluster('cluster') });
    const peer = await start('peer', { auth: cluster('cluster') });
    const allocator = new Recorder(true);
    const master1 = new Recorder(['internal']);
    const allocatorPid: PID<Inbox> = master.spawn(allocator, 'allocator');
    const masterPid: PID<Inbox> = master.spawn(master1, 'master');
    for (const to of [allocatorPid, masterPid]) {
      peer.post(`x@${peer.address}`, to, 'internal', { n: 666 });
      peer.post(`x@${peer.address}`, to, 'note', { n: 1 });
      master.post(`y@${master.address}`, to, 'internal', { n: 2 });
    }
    await clock.advance(10);
    expect(allocator.seen.map((s) => s.n)).toEqual([2]);
    expect(master1.seen.map((s) => s.n).sort()).toEqual([1, 2]);
    expect(master.metrics()['local_only']).toBe(3);
    await stop();
  });
});
