import type { PID } from 'libprocess-ts';
import type { Resource } from '../protocol/resources.js';
import type { AllocatorCapabilities, AllocatorPort } from './allocator-port.js';

function capabilityFields(c: AllocatorCapabilities | undefined): { shared_resources?: boolean; reservation_refinement?: boolean; gpu_resources?: boolean } {
  return c === undefined ? {} : { shared_resources: c.sharedResources, reservation_refinement: c.reservationRefinement, gpu_resources: c.gpuResources };
}
import type { AllocatorProtocol } from './allocator/protocol.js';

type Send = <N extends keyof AllocatorProtocol & string>(to: PID<AllocatorProtocol>, name: N, body: AllocatorProtocol[N]) => void;

/** The master's side of the allocator: each call is one message to the allocator process. */
export class AllocatorClient implements AllocatorPort {
  constructor(private readonly allocator: PID<AllocatorProtocol>, private readonly send: Send) {}

  addFramework(frameworkId: string, roles: string[], suppressedRoles: string[], used: { agentId: string; resources: Resource[] }[], active: boolean, capabilities?: AllocatorCapabilities): void {
    this.send(this.allocator, 'add_framework', { framework_id: frameworkId, roles, suppressed_roles: suppressedRoles, used: used.map((u) => ({ agent_id: u.agentId, resources: u.resources })), active, ...capabilityFields(capabilities) });
  }
  removeFramework(frameworkId: string): void {
    this.send(this.allocator, 'remove_framework', { framework_id: frameworkId });
  }
  activateFramework(frameworkId: string): void {
    this.send(this.allocator, 'activate_framework', { framework_id: frameworkId });
  }
  deactivateFramework(frameworkId: string): void {
    this.send(this.allocator, 'deactivate_framework', { framework_id: frameworkId });
  }
  updateFramework(frameworkId: string, roles: string[], suppressedRoles: string[], capabilities?: AllocatorCapabilities): void {
    this.send(this.allocator, 'update_framework', { framework_id: frameworkId, roles, suppressed_roles: suppressedRoles, ...capabilityFields(capabilities) });
  }
  addAgent(agentId: string, total: Resource[], used: { frameworkId: string; resources: Resource[] }[]): void {
    this.send(this.allocator, 'add_agent', { agent_id: agentId, total, used: used.map((u) => ({ framework_id: u.frameworkId, resources: u.resources })) });
  }
  removeAgent(agentId: string): void {
    this.send(this.allocator, 'remove_agent', { agent_id: agentId });
  }
  activateAgent(agentId: string): void {
    this.send(this.allocator, 'activate_agent', { agent_id: agentId });
  }
  deactivateAgent(agentId: string): void {
    this.send(this.allocator, 'deactivate_agent', { agent_id: agentId });
  }
  recoverResources(frameworkId: string, agentId: string, resources: readonly Resource[], refuseSeconds: number | undefined): void {
    this.send(this.allocator, 'recover_resources', { framework_id: frameworkId, agent_id: agentId, resources, refuse_seconds: refuseSeconds ?? null });
  }
  updateAllocation(frameworkId: string, agentId: string, from: Resource[], to: Resource[]): void {
    this.send(this.allocator, 'update_allocation', { framework_id: frameworkId, agent_id: agentId, from, to });
  }
  updateAvailable(requestId: number, agentId: string, from: Resource[], to: Resource[]): void {
    this.send(this.allocator, 'update_available', { request_id: requestId, agent_id: agentId, from, to });
  }
  suppress(frameworkId: string, roles: string[] | undefined): void {
    this.send(this.allocator, 'suppress_offers', { framework_id: frameworkId, roles: roles ?? null });
  }
  revive(frameworkId: string, roles: string[] | undefined): void {
    this.send(this.allocator, 'revive_offers', { framework_id: frameworkId, roles: roles ?? null });
  }
  setWeights(weights: Record<string, number>): void {
    this.send(this.allocator, 'update_weights', { weights });
  }
  setQuota(role: string, guarantees: Record<string, number>, limits: Record<string, number>): void {
    this.send(this.allocator, 'update_quota', { role, guarantees, limits });
  }
}
