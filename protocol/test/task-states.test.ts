import { describe, test, expect } from '@jest/globals';
import { TASK_STATES, TASK_STATUS_REASONS, TASK_STATUS_SOURCES, downgradeForLegacyFramework, isActive, isTaskState, isTerminal } from '../task-states.js';

describe('task states', () => {
  test('every Mesos task state is there', () => {
    expect(TASK_STATES).toEqual([
      'TASK_STAGING',
      'TASK_STARTING',
      'TASK_RUNNING',
      'TASK_KILLING',
      'TASK_FINISHED',
      'TASK_FAILED',
      'TASK_KILLED',
      'TASK_ERROR',
      'TASK_LOST',
      'TASK_DROPPED',
      'TASK_UNREACHABLE',
      'TASK_GONE',
      'TASK_GONE_BY_OPERATOR',
      'TASK_UNKNOWN',
    ]);
  });

  test('terminal and active', () => {
    expect(TASK_STATES.filter(isTerminal)).toEqual([
      'TASK_FINISHED',
      'TASK_FAILED',
      'TASK_KILLED',
      'TASK_ERROR',
      'TASK_LOST',
      'TASK_DROPPED',
      'TASK_GONE',
      'TASK_GONE_BY_OPERATOR',
    ]);
    expect(TASK_STATES.filter(isActive)).toEqual(['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING']);
    for (const s of TASK_STATES) expect(isTerminal(s) && isActive(s)).toBe(false);
    expect(isTerminal('TASK_UNREACHABLE')).toBe(false);
    expect(isTaskState('TASK_RUNNING')).toBe(true);
    expect(isTaskState('RUNNING')).toBe(false);
  });

  test('partition-aware states downgrade to TASK_LOST', () => {
    expect(downgradeForLegacyFramework('TASK_UNREACHABLE')).toBe('TASK_LOST');
    expect(downgradeForLegacyFramework('TASK_GONE')).toBe('TASK_LOST');
    expect(downgradeForLegacyFramework('TASK_RUNNING')).toBe('TASK_RUNNING');
  });

  test('sources and reasons', () => {
    expect(TASK_STATUS_SOURCES).toEqual(['SOURCE_MASTER', 'SOURCE_AGENT', 'SOURCE_EXECUTOR']);
    for (const r of [
      'REASON_COMMAND_EXECUTOR_FAILED',
      'REASON_EXECUTOR_TERMINATED',
      'REASON_TASK_KILLED_DURING_LAUNCH',
      'REASON_AGENT_REMOVED',
      'REASON_AGENT_DISCONNECTED',
      'REASON_RECONCILIATION',
      'REASON_INVALID_OFFERS',
      'REASON_TASK_INVALID',
      'REASON_FRAMEWORK_REMOVED',
      'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
      'REASON_TASK_CHECK_STATUS_UPDATED',
      'REASON_CONTAINER_LAUNCH_FAILED',
      'REASON_CONTAINER_LIMITATION_MEMORY',
      'REASON_GC_ERROR',
      'REASON_INVALID_FRAMEWORKID',
      'REASON_TASK_UNKNOWN',
      'REASON_TASK_UNREACHABLE',
      'REASON_EXECUTOR_UNREGISTERED',
    ] as const) {
      expect(TASK_STATUS_REASONS).toContain(r);
    }
    expect(new Set(TASK_STATUS_REASONS).size).toBe(TASK_STATUS_REASONS.length);
  });
});
