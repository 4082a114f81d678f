import { describe, test, expect } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { AGENT_THREAD_POOL_SIZE, agentProcessEnv } from '../thread-pool.js';

/** The threads of a node process started with `env`, counted after its pool's first job (libuv starts every pool thread then). */
function threadsOf(env: NodeJS.ProcessEnv): number {
  const script = "const fs = require('node:fs'); fs.stat('.', () => console.log(fs.readdirSync('/proc/self/task').length));";
  return Number(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }).trim());
}

describe("the agent's libuv thread pool", () => {
  test("an agent's environment sizes it, unless the operator chose a size", () => {
    const bare: NodeJS.ProcessEnv = { PATH: '/usr/bin' };
    expect(agentProcessEnv(bare)).toEqual({ PATH: '/usr/bin', UV_THREADPOOL_SIZE: String(AGENT_THREAD_POOL_SIZE) });
    expect(bare.UV_THREADPOOL_SIZE).toBeUndefined(); // a copy
    expect(agentProcessEnv({ UV_THREADPOOL_SIZE: '6' }).UV_THREADPOOL_SIZE).toBe('6');
  });

  test('a process started with that environment gets that many threads', () => {
    const env = { ...process.env };
    delete env.UV_THREADPOOL_SIZE;
    expect(threadsOf(agentProcessEnv(env))).toBeGreaterThanOrEqual(AGENT_THREAD_POOL_SIZE);
    expect(threadsOf({ ...env, UV_THREADPOOL_SIZE: '2' })).toBeLessThan(AGENT_THREAD_POOL_SIZE);
  });
});
