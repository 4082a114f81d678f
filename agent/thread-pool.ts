/**
 * The size of libuv's thread pool in an agent's process.
 *
 * Why: the agent's durable writes (checkpoints, status-update records,
 * container.json, termination.json) wait for their fsyncs in libuv's thread
 * pool, about eleven per command task, and a launch goes on only once they
 * are done. Node's default pool has 4 threads, so with 80 tasks launching at
 * once the fsyncs queued behind each other (bench-launch, issue 22: 39-41
 * tasks/s with 4 threads, 52-55 with 32, same build, same load). Side by
 * side, the filesystem commits its journal once for many of them and the
 * device merges their cache flushes. Mesos's libprocess likewise runs at
 * least 8 worker threads.
 *
 * libuv reads UV_THREADPOOL_SIZE once, when the pool gets its first job, and
 * an ES module program gives it one while loading its own modules, before any
 * of its code runs: the size must be in the environment the agent's process
 * starts with. `mesos-ts local` and bench-launch start their agents with
 * `agentProcessEnv`; an operator starting `mesos-ts agent` sets it
 * (agent/README.md). An operator's own UV_THREADPOOL_SIZE is kept.
 */
export const AGENT_THREAD_POOL_SIZE = 32;

/** The environment to start an agent's process with: `env` and, unless it sets one, the agent's pool size. */
export function agentProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.UV_THREADPOOL_SIZE !== undefined && env.UV_THREADPOOL_SIZE !== '') return env;
  return { ...env, UV_THREADPOOL_SIZE: String(AGENT_THREAD_POOL_SIZE) };
}
