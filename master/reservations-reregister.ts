/**
 * Reservations of an agent that re-registers with a master that knows it:
 * the master's view wins (as Mesos: it may have reserved or unreserved while
 * the agent was away or its checkpoint was written), and the agent is sent
 * the master's set to checkpoint when its own differs. A master that does
 * not know the agent (a failover) takes the agent's checkpointed set.
 */
import type { AgentToMaster } from '../protocol/messages/master-agent.js';
import { checkpointedPart } from '../protocol/reservations.js';
import { Resources } from '../protocol/resources.js';
import type { Agent } from './agent.js';
import type { MasterContext } from './context.js';

/** `agent` re-registers: the master keeps its total, and the agent is told the master's reservations and volumes if its own differ. */
export function keepReservations(ctx: MasterContext, agent: Agent, body: AgentToMaster['reregister_agent']): void {
  const mine = checkpointedPart(agent.total);
  const theirs = Resources.fromJSON(body.checkpointed_resources ?? [], 'checkpointed_resources');
  if (!mine.equals(theirs)) {
    ctx.logger.info(`agent ${agent.id} re-registered with checkpointed resources '${theirs.toString()}'; the master has '${mine.toString()}': sending it the master's`);
    ctx.apply([{ kind: 'checkpoint_resources', agent, resources: mine.toJSON() }]);
  }
}
