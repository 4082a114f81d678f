/**
 * An operator's reservation change on an agent (RESERVE_RESOURCES,
 * UNRESERVE_RESOURCES, /master/reserve, /master/unreserve), as Mesos carries
 * it out: offers on the agent are rescinded until its free resources hold
 * what the operation consumes; the allocator then converts them if they are
 * still unallocated (an allocation it made meanwhile wins: 409 Conflict);
 * then the books change and the agent checkpoints.
 *
 *   HTTP ─► convert() ─ rescind offers ─► allocator `update_available` {request_id}
 *                                              │
 *   answered(request_id, ok) ◄── `available_updated` ◄──┘  → books/reservations.ts converted()
 */
import type { Conversion } from '../protocol/reservations.js';
import { Resources } from '../protocol/resources.js';
import * as reservationBooks from './books/reservations.js';
import type { MasterContext } from './context.js';
import type { Offering } from './offering.js';

export type ConversionResult = { readonly ok: true } | { readonly ok: false; readonly status: 400 | 409; readonly message: string };

export class OperatorConversions {
  readonly #pending = new Map<number, (ok: boolean) => void>();
  #nextRequest = 1;

  constructor(private readonly ctx: MasterContext, private readonly offering: Offering) {}

  /** What is neither used by tasks and executors nor offered on the agent. */
  #free(agentId: string): Resources {
    const agent = this.ctx.state.agents.get(agentId)!;
    const offered = this.ctx.state.offers.ofAgent(agentId).reduce((sum, o) => sum.add(o.resources), Resources.empty());
    return agent.total.subtract(agent.totalUsed().unallocate()).subtract(offered.unallocate());
  }

  convert(agentId: string, conversion: Conversion, what: string): Promise<ConversionResult> {
    const agent = this.ctx.state.agents.get(agentId);
    if (agent === undefined) return Promise.resolve({ ok: false, status: 400, message: `No agent found with specified ID ${agentId}` });
    const consumed = conversion.consumed.unallocate();
    if (!agent.total.contains(consumed)) {
      return Promise.resolve({ ok: false, status: 409, message: `Agent ${agentId} does not have the resources to ${what}: '${consumed.toString()}' (its total: '${agent.total.toString()}')` });
    }
    // Offers are withdrawn one at a time, until what is free holds what the operation consumes.
    for (const offer of this.ctx.state.offers.ofAgent(agentId)) {
      if (this.#free(agentId).contains(consumed)) break;
      this.offering.rescind(offer.id, `the operator's ${what} needs its resources`);
    }
    if (!this.#free(agentId).contains(consumed)) {
      return Promise.resolve({ ok: false, status: 409, message: `Insufficient resources on agent ${agentId} to ${what} '${consumed.toString()}': they are in use (free: '${this.#free(agentId).toString()}')` });
    }
    const id = this.#nextRequest++;
    return new Promise<ConversionResult>((resolve) => {
      this.#pending.set(id, (ok) => {
        const now = this.ctx.state.agents.get(agentId);
        if (!ok || now !== agent) {
          resolve({ ok: false, status: 409, message: `Insufficient resources on agent ${agentId} to ${what} '${consumed.toString()}': they were allocated meanwhile, try again` });
          return;
        }
        this.ctx.apply(reservationBooks.converted(agent, conversion));
        this.ctx.logger.info(`operator: ${what} '${conversion.converted.toString()}' on agent ${agentId}`);
        resolve({ ok: true });
      });
      this.ctx.allocator.updateAvailable(id, agentId, consumed.toJSON(), conversion.converted.unallocate().toJSON());
    });
  }

  /** The allocator's answer to `update_available`. */
  answered(requestId: number, ok: boolean): void {
    const done = this.#pending.get(requestId);
    this.#pending.delete(requestId);
    done?.(ok);
  }
}
