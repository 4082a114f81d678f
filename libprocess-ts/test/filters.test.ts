import { afterEach, describe, expect, test } from '@jest/globals';
import { Process } from '../src/process.js';
import type { Handlers } from '../src/protocol.js';
import { clearFilters, dropMessage, dropMessages, futureDispatch, futureMessage } from '../src/filters.js';
import { simulation } from './helpers/sim.js';

type Inbox = { note: { text: string }; other: null };

class Recorder extends Process<Inbox> {
  readonly notes: string[] = [];
  protected handlers(): Handlers<Inbox> {
    return { note: ({ text }) => this.notes.push(text), other: () => this.notes.push('other') };
  }
  poke(): string {
    return 'poked';
  }
}

afterEach(() => clearFilters());

describe('filters', () => {
  test('futureMessage resolves as a message enters the mailbox, local or transported', async () => {
    const { clock, runtimes, stop } = await simulation({ latencyMs: 10 });
    const [a, b] = runtimes as [(typeof runtimes)[0], (typeof runtimes)[0]];
    const local = a.spawn(new Recorder(), 'rec');
    const remote = b.spawn(new Recorder(), 'rec');
    const seenLocal = futureMessage('note', undefined, local);
    const seenRemote = futureMessage('note', 'sender', remote);
    a.post(`sender@${a.address}`, local, 'note', { text: 'here' });
    a.post(`sender@${a.address}`, remote, 'note', { text: 'there' });
    expect((await seenLocal).body).toEqual({ text: 'here' });
    let remoteSeen = false;
    void seenRemote.then(() => (remoteSeen = true));
    await clock.advance(9);
    expect(remoteSeen).toBe(false);
    await clock.advance(1);
    expect((await seenRemote).from).toBe(`sender@${a.address}`);
    await stop();
  });

  test('every futureMessage sees a message, even one a drop filter drops; one dropMessage is used per message', async () => {
    const { clock, runtimes, stop } = await simulation({ latencyMs: 1 });
    const [a] = runtimes as [(typeof runtimes)[0]];
    const recorder = new Recorder();
    const pid = a.spawn(recorder, 'rec');
    const firstDrop = dropMessage('note', undefined, pid);
    const secondDrop = dropMessage('note', undefined, pid);
    const seen1 = futureMessage('note', undefined, pid);
    const seen2 = futureMessage('note', undefined, 'rec');
    a.post(`s@${a.address}`, pid, 'note', { text: '1' });
    a.post(`s@${a.address}`, pid, 'note', { text: '2' });
    a.post(`s@${a.address}`, pid, 'note', { text: '3' });
    await clock.settle();
    expect((await seen1).body).toEqual({ text: '1' });
    expect((await seen2).body).toEqual({ text: '1' });
    expect((await firstDrop).body).toEqual({ text: '1' });
    expect((await secondDrop).body).toEqual({ text: '2' });
    expect(recorder.notes).toEqual(['3']);
    await stop();
  });

  test('dropMessage drops exactly the next match; dropMessages until removed', async () => {
    const { clock, runtimes, stop } = await simulation({ latencyMs: 1 });
    const [a, b] = runtimes as [(typeof runtimes)[0], (typeof runtimes)[0]];
    const recorder = new Recorder();
    const pid = b.spawn(recorder, 'rec');
    const dropped = dropMessage('note', undefined, (to) => to === pid.toString());
    for (const text of ['1', '2']) a.post(`s@${a.address}`, pid, 'note', { text });
    await clock.advance(5);
    expect((await dropped).body).toEqual({ text: '1' });
    expect(recorder.notes).toEqual(['2']);

    const all = dropMessages('note');
    for (const text of ['3', '4']) a.post(`s@${a.address}`, pid, 'note', { text });
    a.post(`s@${a.address}`, pid, 'other', null);
    await clock.advance(5);
    expect(all.dropped.map((e) => (e.body as { text: string }).text)).toEqual(['3', '4']);
    all.remove();
    a.post(`s@${a.address}`, pid, 'note', { text: '5' });
    await clock.advance(5);
    expect(recorder.notes).toEqual(['2', 'other', '5']);
    expect(b.metrics()['dropped_by_filter']).toBe(3);
    await stop();
  });

  test('futureDispatch resolves when a dispatch is queued', async () => {
    const { runtimes, stop } = await simulation({}, 1);
    const rt = runtimes[0]!;
    const recorder = new Recorder();
    const pid = rt.spawn(recorder, 'rec');
    const queued = futureDispatch(pid, 'poke');
    const result = rt.dispatch(recorder, 'poke');
    await queued;
    expect(await result).toBe('poked');
    await stop();
  });
});
