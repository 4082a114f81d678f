import { describe, test, expect } from '@jest/globals';
import type { Task, TaskStatus } from '../../../protocol/types.js';
import { keptStatus } from '../kept.js';

const task = (): Task => ({
  name: 't',
  task_id: { value: 'task-with-a-long-id-0001' },
  framework_id: { value: 'fw-1' },
  agent_id: { value: 'agent-with-a-long-id-S1' },
  executor_id: { value: 'executor-1' },
  state: 'TASK_STAGING',
  resources: [],
  statuses: [],
});

describe('keptStatus', () => {
  test('the uuid and data are copies, not views into the frame they were decoded from', () => {
    const frame = new Uint8Array(4096).fill(7);
    const uuid = frame.subarray(100, 116);
    const data = frame.subarray(200, 300);
    const t = task();
    const kept = keptStatus(t, { task_id: { value: t.task_id.value }, state: 'TASK_RUNNING', uuid, data });
    frame.fill(9);
    expect([...kept.uuid!]).toEqual(new Array(16).fill(7));
    expect([...kept.data!]).toEqual(new Array(100).fill(7));
  });

  test("ids equal to the task's are the task's own objects; other ids and text are kept by value", () => {
    const t = task();
    const decoded = JSON.parse(JSON.stringify({
      task_id: { value: 'task-with-a-long-id-0001' }, agent_id: { value: 'agent-with-a-long-id-S1' }, executor_id: { value: 'another-executor' },
      state: 'TASK_FINISHED', source: 'SOURCE_EXECUTOR', reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: 'a message long enough to be a slice', timestamp: 12.5, healthy: true,
    })) as TaskStatus;
    const kept = keptStatus(t, decoded);
    expect(kept.task_id).toBe(t.task_id);
    expect(kept.agent_id).toBe(t.agent_id);
    expect(kept.executor_id).not.toBe(decoded.executor_id);
    expect(kept).toEqual(decoded);
  });

  test('a status of another task keeps its own ids', () => {
    const t = task();
    const kept = keptStatus(t, { task_id: { value: 'other' }, agent_id: { value: 'other-agent' }, state: 'TASK_LOST' });
    expect(kept.task_id).toEqual({ value: 'other' });
    expect(kept.agent_id).toEqual({ value: 'other-agent' });
  });
});
