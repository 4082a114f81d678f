/**
 * What `mesos-ts local` does before it stops its processes (unless
 * --keep_tasks): every framework the leading master knows is torn down (v1
 * TEARDOWN: the agents kill its tasks), then each agent's /state is asked
 * until it runs no executor any more, bounded; the masters and agents are
 * stopped after. Without it, tasks outlive the cluster that ran them (an agent
 * stopped by a signal leaves its executors running, for its recovery).
 */
import { realClock } from 'libprocess-ts';
import type { Credential } from '../protocol/credentials.js';
import { authHeaders } from './credentials.js';
import { findLeader } from './discovery.js';

type AgentState = { frameworks?: { executors?: unknown[] }[] };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => realClock.timer(ms, resolve));

/** Executors still running on the agent at `url` (http://host:port); undefined when it does not answer. */
async function runningExecutors(url: string, headers: Record<string, string>): Promise<number | undefined> {
  try {
    const res = await fetch(`${url}/state`, { headers, signal: AbortSignal.timeout(2000) });
    if (!res.ok) return undefined;
    const state = (await res.json()) as AgentState;
    return (state.frameworks ?? []).reduce((n, f) => n + (f.executors?.length ?? 0), 0);
  } catch {
    return undefined;
  }
}

/**
 * Tears down every framework of the cluster at `masters` (`host:port,...`)
 * and waits (at most `waitMs`) until the agents at `agentUrls` run no
 * executor. Returns what it did, for `local` to print.
 */
export async function endTasks(masters: string, agentUrls: readonly string[], credential: Credential | undefined, waitMs = 15_000): Promise<string> {
  const headers = authHeaders(credential);
  const leader = await findLeader(masters, 3000);
  const res = await fetch(`http://${leader}/master/frameworks`, { headers, signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`http://${leader}/master/frameworks answered HTTP ${res.status}`);
  const { frameworks } = (await res.json()) as { frameworks: { id: string }[] };
  for (const f of frameworks) {
    const down = await fetch(`http://${leader}/api/v1`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'TEARDOWN', teardown: { framework_id: { value: f.id } } }),
      signal: AbortSignal.timeout(5000),
    });
    await down.body?.cancel();
    if (!down.ok) throw new Error(`TEARDOWN of framework ${f.id} answered HTTP ${down.status}`);
  }
  const deadline = realClock.now() + waitMs;
  for (;;) {
    const counts = await Promise.all(agentUrls.map((u) => runningExecutors(u, headers)));
    const left = counts.reduce<number>((n, c) => n + (c ?? 0), 0);
    if (left === 0) return `${frameworks.length} framework(s) torn down; no task left running`;
    if (realClock.now() >= deadline) return `${frameworks.length} framework(s) torn down; ${left} executor(s) still running after ${waitMs} ms, stopping anyway`;
    await sleep(200);
  }
}
