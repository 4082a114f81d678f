// The agent of `make bench-launch`, in its own OS process (as on a real
// machine): started with startAgent from the JSON flags in argv[2]; tells its
// parent `{ ready: <agent pid> }` over IPC once it runs (it then registers
// with the master by itself; the scheduler learns of it by the offer).
// Stops (tasks are all finished by then) on SIGTERM or when the parent goes.
import { startAgent } from '../../agent/main.js';
import type { AgentFlagsInput } from '../../agent/flags.js';

const flags = JSON.parse(process.argv[2] ?? '{}') as AgentFlagsInput;
const logger = {
  info: (m: string) => {
    if (process.env.BENCH_AGENT_LOG) console.error(`[agent] ${m}`);
  },
  warn: (m: string) => console.error(`[agent] WARNING: ${m}`),
};
const agent = await startAgent(flags, { logger });
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void agent.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
process.send?.({ ready: agent.pid.toString() });
