// The simulated machine's processes (sim/containerizer.ts) against an agent that crashes: what it handed over runs on,
// what it had not handed over yet never starts (seed 198: a launch chain of the killed agent started a task after the
// crash, and the restarted agent destroyed it as an orphan).
import { describe, expect, test } from '@jest/globals';
import { Random } from 'libprocess-ts';
import { VirtualClock } from 'libprocess-ts/testing';
import { ProcessTable, SimContainerizer, planCommand } from '../containerizer.js';

describe('a crashed agent\'s containerizer', () => {
  test('a launch asked after the crash starts nothing and is never answered; one handed over before runs on', async () => {
    const clock = new VirtualClock();
    const events: string[] = [];
    const table = new ProcessTable(clock, new Random(1), (p, e) => events.push(`${p.taskId} ${e}`));
    const cz = new SimContainerizer(table);
    const launch = (c: SimContainerizer, id: string) => c.launch({ containerId: id, command: { shell: true, value: planCommand(100, 0) }, sandbox: `/s/${id}`, limits: {}, frameworkId: 'f', taskId: id });
    await launch(cz, 'before');
    cz.detach(); // the agent is SIGKILLed
    let answered = false;
    void launch(cz, 'after').then(() => (answered = true), () => (answered = true));
    await clock.advance(200);
    expect(table.procs.has('after')).toBe(false);
    expect(answered).toBe(false);
    // The process it had started outlived it (and ended unobserved).
    expect(events).toEqual(['before start', 'before end']);
    expect(table.procs.get('before')!.termination).toBeUndefined();
    // The restarted agent's containerizer launches as before.
    const cz2 = new SimContainerizer(table);
    await launch(cz2, 'after');
    expect(table.procs.get('after')!.running).toBe(true);
  });
});
