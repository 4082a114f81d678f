// examples/test-framework end to end on the in-process cluster: the real
// master, two scripted agents that run what they are given; every task
// reaches TASK_FINISHED and the framework exits 0 (1 when a task fails).
import { afterEach, describe, expect, test } from '@jest/globals';
import { runTestFramework } from '../../examples/test-framework/test-framework.js';
import type { TestAgent } from '../../master/test/helpers/peers.js';
import { cluster, type Cluster } from './scheduler-support.js';

let c: Cluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

/** Plays the tasks: each one the agent runs finishes (or fails, for the ids in `fail`) on the next instant. */
function finishEverything(agent: TestAgent, fail: string[] = []): void {
  const original = agent.update.bind(agent);
  agent.update = (taskId, state, message) => {
    const uuid = original(taskId, state, message);
    if (state === 'TASK_RUNNING') queueMicrotask(() => original(taskId, fail.includes(taskId) ? 'TASK_FAILED' : 'TASK_FINISHED', fail.includes(taskId) ? 'exit 1' : undefined));
    return uuid;
  };
}

describe('examples/test-framework', () => {
  test('runs N tasks over two agents; all finish; exit code 0', async () => {
    c = await cluster();
    const a1 = await c.agent({ resources: 'cpus:0.3;mem:128' });
    const a2 = await c.agent({ resources: 'cpus:1;mem:1024' });
    finishEverything(a1.agent);
    finishEverything(a2.agent);
    const lines: string[] = [];
    const runtime = await c.runtime('test-framework');
    const run = runTestFramework({ master: c.masterPid.toString(), tasks: 5, runtime, random: 1, user: 'tester', log: (l) => lines.push(l) });
    await c.clock.advance(10_000);
    const result = await run;
    expect(result.exitCode).toBe(0);
    expect(result.driverStatus).toBe('DRIVER_STOPPED');
    expect([...result.states.keys()].sort()).toEqual(['0', '1', '2', '3', '4']);
    for (const s of result.states.values()) expect(s).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(lines[0]).toBe('Registered with master m1 as framework m1-0000');
    expect(lines).toContain('Task 3 is in state TASK_FINISHED');
    expect(lines.at(-1)).toBe('All 5 tasks finished');
    // The first agent fits three tasks (0.1 cpu each), the second the rest.
    expect(a1.agent.named('run_task')).toHaveLength(3);
    expect(a2.agent.named('run_task')).toHaveLength(2);
    expect(a1.agent.named('run_task')[0]!.task.command?.value).toBe('echo "hello from task $MESOS_TASK_ID"; sleep 1');
    await c.clock.settle();
    // Stopped without failover: the framework is gone from the master.
    expect(c.master.state.frameworks.size).toBe(0);
  });

  test('a failed task makes the exit code 1', async () => {
    c = await cluster();
    const { agent } = await c.agent({ resources: 'cpus:1;mem:1024' });
    finishEverything(agent, ['1']);
    const runtime = await c.runtime('test-framework');
    const lines: string[] = [];
    const run = runTestFramework({ master: c.masterPid.toString(), tasks: 3, runtime, random: 1, log: (l) => lines.push(l) });
    await c.clock.advance(10_000);
    const result = await run;
    expect(result.exitCode).toBe(1);
    expect(result.states.get('1')).toEqual(['TASK_RUNNING', 'TASK_FAILED']);
    expect(lines).toContain('Task 1 did not finish: TASK_FAILED');
    expect(lines.at(-1)).toBe('2 of 3 tasks finished, 1 did not');
  });
});
