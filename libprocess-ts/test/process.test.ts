import { afterEach, describe, expect, test } from '@jest/globals';
import { Process } from '../src/process.js';
import type { PID } from '../src/pid.js';
import type { Handlers } from '../src/protocol.js';
import { clearFilters } from '../src/filters.js';
import { LibprocessError } from '../src/errors.js';
import { simulation } from './helpers/sim.js';

type Counter = { add: { n: number }; get: Record<string, never> };
type CounterReplies = { value: { n: number } };

class CounterProcess extends Process<Counter> {
  total = 0;
  readonly log: string[] = [];
  protected handlers(): Handlers<Counter> {
    return {
      add: ({ n }) => {
        this.total += n;
      },
      get: () => this.reply('value', { n: this.total }),
    };
  }
  snapshot(): number {
    return this.total;
  }
  async slowDouble(x: number): Promise<number> {
    return x * 2;
  }
  fail(): void {
    throw new Error('boom');
  }
}

class Client extends Process<CounterReplies> {
  readonly values: number[] = [];
  readonly exits: string[] = [];
  protected handlers(): Handlers<CounterReplies> {
    return { value: ({ n }) => this.values.push(n) };
  }
  override exited(pid: PID): void {
    this.exits.push(pid.toString());
  }
  ask(counter: PID<Counter>): void {
    this.send(counter, 'add', { n: 2 });
    this.send(counter, 'add', { n: 3 });
    this.send(counter, 'get', {});
  }
  watch(pid: PID): void {
    this.link(pid);
  }
}

afterEach(() => clearFilters());

describe('Process', () => {
  test('messages are handled in order, and reply reaches the sender', async () => {
    const { clock, runtimes, stop } = await simulation({}, 1);
    const rt = runtimes[0]!;
    const counter = rt.spawn(new CounterProcess(), 'counter');
    const client = new Client();
    rt.spawn(client);
    await rt.dispatch(client, 'ask', counter);
    await clock.settle();
    expect(client.values).toEqual([5]);
    expect(await rt.dispatch<CounterProcess, 'snapshot'>(counter, 'snapshot')).toBe(5);
    await stop();
  });

  test('the same works across runtimes on the simulated network, with latency', async () => {
    const { clock, runtimes, stop } = await simulation({ latencyMs: [5, 20], seed: 3 });
    const counter = runtimes[0]!.spawn(new CounterProcess(), 'counter');
    const client = new Client();
    runtimes[1]!.spawn(client);
    await runtimes[1]!.dispatch(client, 'ask', counter);
    await clock.settle();
    expect(client.values).toEqual([]);
    await clock.advance(100);
    expect(client.values).toEqual([5]);
    await stop();
  });

  test('dispatch returns results, awaits promises, and rejects clearly', async () => {
    const { runtimes, stop } = await simulation({}, 1);
    const rt = runtimes[0]!;
    const counter = new CounterProcess();
    const pid = rt.spawn(counter);
    expect(pid.id).toBe('counterProcess(1)');
    expect(await rt.dispatch(counter, 'slowDouble', 21)).toBe(42);
    await expect(rt.dispatch(counter, 'fail')).rejects.toThrow('boom');
    rt.terminate(pid);
    await expect(rt.dispatch(counter, 'snapshot')).rejects.toMatchObject({ code: 'E_NO_SUCH_PROCESS' });
    await stop();
  });

  test('a pending dispatch is rejected when the process terminates first', async () => {
    const { runtimes, stop } = await simulation({}, 1);
    const rt = runtimes[0]!;
    class Slow extends Process<{}> {
      protected handlers() {
        return {};
      }
      override initialize(): Promise<void> {
        return new Promise(() => {}); // never ready: events stay queued
      }
      ping(): number {
        return 1;
      }
    }
    const slow = new Slow();
    const pid = rt.spawn(slow);
    const pending = rt.dispatch(slow, 'ping');
    rt.terminate(pid);
    await expect(pending).rejects.toBeInstanceOf(LibprocessError);
    await expect(pending).rejects.toMatchObject({ code: 'E_TERMINATED' });
    await stop();
  });

  test('initialize runs before any message; an async initialize holds messages until it resolves', async () => {
    const { clock, runtimes, stop } = await simulation({}, 1);
    const rt = runtimes[0]!;
    const order: string[] = [];
    class Starter extends Process<{ hello: null }> {
      protected handlers(): Handlers<{ hello: null }> {
        return { hello: () => order.push('hello') };
      }
      override async initialize(): Promise<void> {
        order.push('init-start');
        await new Promise<void>((resolve) => this.clock.timer(1000, resolve));
        order.push('init-end');
      }
      override finalize(): void {
        order.push('finalize');
      }
    }
    const pid = rt.spawn(new Starter());
    rt.post('test@x:1', pid, 'hello', null);
    await clock.settle();
    expect(order).toEqual(['init-start']);
    await clock.advance(1000);
    expect(order).toEqual(['init-start', 'init-end', 'hello']);
    rt.terminate(pid);
    await rt.wait(pid);
    expect(order).toEqual(['init-start', 'init-end', 'hello', 'finalize']);
    await stop();
  });

  test('a failing initialize terminates the process', async () => {
    const { clock, runtimes, stop } = await simulation({}, 1);
    const rt = runtimes[0]!;
    class Broken extends Process<{}> {
      protected handlers() {
        return {};
      }
      override initialize(): void {
        throw new Error('cannot start');
      }
    }
    const pid = rt.spawn(new Broken());
    await clock.settle();
    expect(rt.isAlive(pid)).toBe(false);
    expect(rt.metrics()['handler_errors']).toBe(1);
    await stop();
  });

  test('defer re-enters the process after asynchronous work; delay fires through the virtual clock', async () => {
    const { clock, runtimes, stop } = await simulation({}, 1);
    const rt = runtimes[0]!;
    const events: string[] = [];
    class Worker extends Process<{}> {
      protected handlers() {
        return {};
      }
      start(): void {
        void Promise.resolve(7).then(this.defer((v: number) => this._start(v)));
        this.delay(10 * 60 * 1000, () => events.push(`timer at ${clock.now() - t0}`));
        const cancelled = this.delay(5, () => events.push('cancelled timer fired'));
        cancelled.cancel();
      }
      _start(v: number): void {
        events.push(`deferred ${v}`);
      }
    }
    const t0 = clock.now();
    const worker = new Worker();
    rt.spawn(worker);
    await rt.dispatch(worker, 'start');
    await clock.settle();
    expect(events).toEqual(['deferred 7']);
    await clock.advance(10 * 60 * 1000 - 1);
    expect(events).toEqual(['deferred 7']);
    await clock.advance(1);
    expect(events).toEqual(['deferred 7', `timer at ${10 * 60 * 1000}`]);
    await stop();
  });

  test('timers of a terminated process never fire', async () => {
    const { clock, runtimes, stop } = await simulation({}, 1);
    const rt = runtimes[0]!;
    let fired = false;
    class T extends Process<{}> {
      protected handlers() {
        return {};
      }
      arm(): void {
        this.delay(100, () => (fired = true));
      }
    }
    const t = new T();
    const pid = rt.spawn(t);
    await rt.dispatch(t, 'arm');
    rt.terminate(pid);
    await clock.advance(1000);
    expect(fired).toBe(false);
    await stop();
  });

  test('link: exited when a local process terminates, or at once if it is gone', async () => {
    const { clock, runtimes, stop } = await simulation({}, 1);
    const rt = runtimes[0]!;
    const counter = rt.spawn(new CounterProcess(), 'counter');
    const client = new Client();
    rt.spawn(client);
    await rt.dispatch(client, 'watch', counter);
    rt.terminate(counter);
    await clock.settle();
    expect(client.exits).toEqual([counter.toString()]);
    await rt.dispatch(client, 'watch', counter);
    await clock.settle();
    expect(client.exits).toEqual([counter.toString(), counter.toString()]);
    await stop();
  });

  test('link: exited when the remote runtime stops, or is cut off by a partition', async () => {
    const { clock, network, runtimes, stop } = await simulation({ latencyMs: 1 }, 3);
    const [a, b, c] = runtimes as [typeof runtimes[0], typeof runtimes[0], typeof runtimes[0]];
    const onB = b!.spawn(new CounterProcess(), 'counter');
    const onC = c!.spawn(new CounterProcess(), 'counter');
    const client = new Client();
    a!.spawn(client);
    await a!.dispatch(client, 'watch', onB);
    await a!.dispatch(client, 'watch', onC);
    await clock.advance(5);
    expect(client.exits).toEqual([]);
    network.cut(a!.address, c!.address);
    await clock.advance(5);
    expect(client.exits).toEqual([onC.toString()]);
    await b!.stop();
    await clock.advance(5);
    expect(client.exits).toEqual([onC.toString(), onB.toString()]);
    // Linking to an unreachable runtime gives exited too (a failed dial).
    await a!.dispatch(client, 'watch', onC);
    await clock.advance(5);
    expect(client.exits).toEqual([onC.toString(), onB.toString(), onC.toString()]);
    await stop();
  });

  test('a handler that throws is logged and counted; the process goes on', async () => {
    const { clock, runtimes, stop } = await simulation({}, 1);
    const rt = runtimes[0]!;
    const seen: number[] = [];
    class Fragile extends Process<{ n: number }> {
      protected handlers(): Handlers<{ n: number }> {
        return {
          n: (n) => {
            if (n === 2) throw new Error('bad two');
            seen.push(n);
          },
        };
      }
    }
    const pid = rt.spawn(new Fragile());
    for (const n of [1, 2, 3]) rt.post('t@x:1', pid, 'n', n);
    await clock.settle();
    expect(seen).toEqual([1, 3]);
    expect(rt.metrics()['handler_errors']).toBe(1);
    await stop();
  });

  test('unknown names and absent processes are counted and dropped; the runtime still serves', async () => {
    const { clock, runtimes, stop } = await simulation({}, 2);
    const [a, b] = runtimes as [(typeof runtimes)[0], (typeof runtimes)[0]];
    const counter = new CounterProcess();
    const pid = b.spawn(counter, 'counter');
    a.post(`x@${a.address}`, pid, 'no-such-message', { junk: true });
    a.post(`x@${a.address}`, `ghost@${b.address}`, 'add', { n: 1 });
    a.post(`x@${a.address}`, pid, 'add', { n: 4 });
    await clock.settle();
    const m = b.metrics();
    expect(m['unknown_message']).toBe(1);
    expect(m['no_such_process']).toBe(1);
    expect(counter.total).toBe(4);
    await stop();
  });

  test('a full mailbox refuses and counts', async () => {
    const { clock, network, stop } = await simulation({}, 0);
    const { Runtime } = await import('../src/runtime.js');
    const { createLogger } = await import('../src/logging.js');
    const rt = await new Runtime({ transport: network.transport('small'), clock, mailboxCapacity: 2, logger: createLogger('t', 'silent') }).start();
    const counter = new CounterProcess();
    const pid = rt.spawn(counter);
    for (let i = 0; i < 5; i++) rt.post('t@x:1', pid, 'add', { n: 1 });
    await clock.settle();
    expect(counter.total).toBe(2);
    expect(rt.metrics()['refused_mailbox_full']).toBe(3);
    await rt.stop();
    await stop();
  });

  test('spawn refuses a duplicate id and a runtime that is not started', async () => {
    const { network, clock, runtimes, stop } = await simulation({}, 1);
    runtimes[0]!.spawn(new CounterProcess(), 'same');
    expect(() => runtimes[0]!.spawn(new CounterProcess(), 'same')).toThrow('already runs');
    const { Runtime } = await import('../src/runtime.js');
    const idle = new Runtime({ transport: network.transport('idle'), clock });
    expect(() => idle.spawn(new CounterProcess())).toThrow('not started');
    await stop();
  });

  test('routes run inside the owning process and vanish when it terminates', async () => {
    const { clock, runtimes, stop } = await simulation({}, 1);
    const rt = runtimes[0]!;
    class Web extends Process<{}> {
      hits = 0;
      protected handlers() {
        return {};
      }
      override initialize(): void {
        this.route('/hits', (req) => ({ status: 200, body: { hits: ++this.hits, q: req.query.get('q') } }));
      }
    }
    const pid = rt.spawn(new Web(), 'web');
    rt.http.alias('/stats', '/web/hits');
    const request = (path: string) => ({ method: 'GET', path, query: new URLSearchParams('q=1'), headers: {}, body: Buffer.alloc(0) });
    await clock.settle();
    expect(await rt.handleHttp(request('/web/hits'))).toEqual({ status: 200, body: { hits: 1, q: '1' } });
    expect(await rt.handleHttp(request('/stats'))).toEqual({ status: 200, body: { hits: 2, q: '1' } });
    rt.terminate(pid);
    expect((await rt.handleHttp(request('/web/hits'))).status).toBe(404);
    await stop();
  });

  test('queued() counts what waits in a mailbox by kind; terminate drops it all and rejects the dispatches', async () => {
    const { clock, runtimes, stop } = await simulation({}, 1);
    const rt = runtimes[0]!;
    let ready!: () => void;
    class Slow extends CounterProcess {
      override initialize(): Promise<void> {
        this.route('/total', () => ({ status: 200, body: { total: this.total } }));
        return new Promise((resolve) => (ready = resolve)); // events wait until it resolves
      }
    }
    const slow = new Slow();
    const pid = rt.spawn(slow, 'slow');
    rt.post(`x@${rt.address}`, pid, 'add', { n: 1 });
    rt.post(`x@${rt.address}`, pid, 'add', { n: 2 });
    const doubled = rt.dispatch(slow, 'slowDouble', 4);
    const http = rt.handleHttp({ method: 'GET', path: '/slow/total', query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) });
    rt.post(`x@${rt.address}`, pid, 'add', { n: 3 });
    expect(rt.queued(pid)).toEqual({ messages: 3, dispatches: 1, httpRequests: 1 });
    ready();
    await clock.settle();
    expect(rt.queued(pid)).toEqual({ messages: 0, dispatches: 0, httpRequests: 0 });
    expect(await doubled).toBe(8);
    expect(await http).toEqual({ status: 200, body: { total: 3 } });
    expect(slow.total).toBe(6);
    // Queued again, then terminated: the messages are dropped and the dispatch rejects.
    rt.post(`x@${rt.address}`, pid, 'add', { n: 10 });
    const late = rt.dispatch(slow, 'snapshot');
    expect(rt.queued(pid)).toEqual({ messages: 1, dispatches: 1, httpRequests: 0 });
    rt.terminate(pid);
    await expect(late).rejects.toMatchObject({ code: 'E_TERMINATED' });
    expect(slow.total).toBe(6);
    expect(rt.queued(pid)).toEqual({ messages: 0, dispatches: 0, httpRequests: 0 });
    await stop();
  });

  test('typed protocols: sends and handlers are checked at compile time', async () => {
    const { runtimes, stop } = await simulation({}, 1);
    const rt = runtimes[0]!;
    const counter = rt.spawn(new CounterProcess());
    class Typed extends Process<{}> {
      protected handlers() {
        return {};
      }
      check(): void {
        this.send(counter, 'add', { n: 1 });
        // @ts-expect-error: 'sub' is not a message of Counter
        this.send(counter, 'sub', { n: 1 });
        // @ts-expect-error: the body of 'add' needs a number
        this.send(counter, 'add', { n: 'one' });
      }
    }
    class MissingHandler extends Process<Counter> {
      protected handlers(): Handlers<Counter> {
        // @ts-expect-error: the table lacks a handler for 'get'
        return { add: () => {} };
      }
    }
    expect(Typed).toBeDefined();
    expect(MissingHandler).toBeDefined();
    await stop();
  });
});
