/**
 * What tests use: virtual time, a simulated network, and filters that await
 * or drop messages at the one point every message passes.
 *
 *     import { VirtualClock, SimulatedNetwork, futureMessage } from 'libprocess-ts/testing';
 */
export { VirtualClock, VIRTUAL_EPOCH_MS } from './virtual-clock.js';
export type { BusyProbe } from './virtual-clock.js';
export { SimulatedNetwork, MemoryTransport } from './memory-transport.js';
export type { SimulatedNetworkOptions, MemoryTransportOptions, NetworkFaults, NetworkObserver, NetworkEventKind } from './memory-transport.js';
export { futureMessage, dropMessage, dropMessages, futureDispatch, clearFilters } from './filters.js';
export type { PidMatcher, DropHandle } from './filters.js';
export { Random } from './random.js';
