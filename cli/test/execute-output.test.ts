// What `mesos-ts execute` prints for a status and reads from --env (cli/execute-output.ts).
import { describe, expect, test } from '@jest/globals';
import { exitStatusOf, parseEnv, statusLines } from '../execute-output.js';

describe('statusLines', () => {
  test('state, then message, source, reason and health when present, as mesos-execute', () => {
    expect(statusLines({ task_id: { value: 't' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR' })).toEqual(["Received status update TASK_RUNNING for task 't'", '  source: SOURCE_EXECUTOR']);
    expect(statusLines({ task_id: { value: 't' }, state: 'TASK_FAILED', message: 'Memory limit exceeded: Requested: 64MB\nMAXIMUM', source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LIMITATION_MEMORY', healthy: false })).toEqual([
      "Received status update TASK_FAILED for task 't'",
      "  message: 'Memory limit exceeded: Requested: 64MB\n    MAXIMUM'",
      '  source: SOURCE_AGENT',
      '  reason: REASON_CONTAINER_LIMITATION_MEMORY',
      '  healthy?: false',
    ]);
  });

  test('exit status: 0 finished, the command\'s own, 137 killed, else 1', () => {
    expect(exitStatusOf({ task_id: { value: 't' }, state: 'TASK_FINISHED' })).toBe(0);
    expect(exitStatusOf({ task_id: { value: 't' }, state: 'TASK_FAILED', message: 'Command exited with status 3' })).toBe(3);
    expect(exitStatusOf({ task_id: { value: 't' }, state: 'TASK_KILLED' })).toBe(137);
    expect(exitStatusOf({ task_id: { value: 't' }, state: 'TASK_LOST' })).toBe(1);
  });
});

describe('parseEnv', () => {
  const files: Record<string, string> = { '/env.json': '{"A": "1", "B": 2, "C": true}', '/bad.json': '[1]' };
  const read = (p: string): string => {
    if (files[p] === undefined) throw new Error(`ENOENT: ${p}`);
    return files[p]!;
  };
  test('inline JSON, a file, a file:// path', () => {
    expect(parseEnv('{"GREETING": "hi"}', read)).toEqual({ GREETING: 'hi' });
    expect(parseEnv('/env.json', read)).toEqual({ A: '1', B: '2', C: 'true' });
    expect(parseEnv('file:///env.json', read)).toEqual({ A: '1', B: '2', C: 'true' });
  });
  test('errors name the flag and what is wrong', () => {
    expect(() => parseEnv('{"A": ', read)).toThrow(/^--env=\{"A": : not JSON/);
    expect(() => parseEnv('/bad.json', read)).toThrow('--env=/bad.json (the file): expected a JSON object of NAME: value');
    expect(() => parseEnv('/nope.json', read)).toThrow('--env=/nope.json: neither a JSON object nor a readable file (ENOENT: /nope.json)');
    expect(() => parseEnv('{"1A": "x"}', read)).toThrow("'1A' is not an environment variable name");
    expect(() => parseEnv('{"A": null}', read)).toThrow("the value of 'A' is not a string, number or boolean");
  });
});
