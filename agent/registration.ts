/**
 * Registration with the master (Mesos's Slave::detected and
 * Slave::doReliableRegistration): the first attempt waits a random time in
 * [0, registration_backoff_factor]; each retry waits a random time in
 * [0, maxBackoff] where maxBackoff starts at twice the factor (1 s when the
 * factor is 0) and doubles, every wait capped at 1 min. The jitter comes from
 * the agent's seeded Random, so a simulated run replays exactly.
 */
import type { Random } from 'libprocess-ts';
import type { AgentCapability, AgentToMaster } from '../protocol/messages/master-agent.js';
import type { AgentInfo, ExecutorInfo, FrameworkInfo, Task } from '../protocol/types.js';
import type { Resource } from '../protocol/resources.js';

/** Mesos's REGISTER_RETRY_INTERVAL_MAX. */
export const REGISTER_RETRY_INTERVAL_MAX_MS = 60_000;
/** The version the agent reports. */
export const AGENT_VERSION = '0.1.0';

export class RegistrationBackoff {
  #maxBackoff: number;

  constructor(
    private readonly factorMs: number,
    private readonly random: Random,
  ) {
    this.#maxBackoff = 2 * (factorMs > 0 ? factorMs : 500);
  }

  /** Delay before the first attempt. */
  first(): number {
    this.#maxBackoff = 2 * (this.factorMs > 0 ? this.factorMs : 500);
    return Math.floor(this.factorMs * this.random.float());
  }

  /** Delay before the next retry (doubling, capped at 1 min). */
  next(): number {
    const d = Math.min(Math.floor(this.#maxBackoff * this.random.float()), REGISTER_RETRY_INTERVAL_MAX_MS);
    this.#maxBackoff = Math.min(this.#maxBackoff * 2, 2 * REGISTER_RETRY_INTERVAL_MAX_MS);
    return Math.max(d, 1);
  }
}

/** What this agent can do, told at every (re-)registration. */
const CAPABILITIES: AgentCapability[] = ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT', 'AGENT_OPERATION_FEEDBACK'];

export function registerMessage(agent: AgentInfo, checkpointed: Resource[] = []): AgentToMaster['register_agent'] {
  return { agent, version: AGENT_VERSION, checkpointed_resources: checkpointed, capabilities: CAPABILITIES };
}

export function reregisterMessage(
  agent: AgentInfo,
  executors: ExecutorInfo[],
  tasks: Task[],
  frameworks: FrameworkInfo[],
  checkpointed: Resource[] = [],
): AgentToMaster['reregister_agent'] {
  return {
    agent,
    version: AGENT_VERSION,
    checkpointed_resources: checkpointed,
    executor_infos: executors,
    tasks,
    frameworks,
    capabilities: CAPABILITIES,
  };
}
