import type { MasterToScheduler } from '../protocol/messages/master-scheduler.js';

/**
 * How the master reaches one subscribed scheduler: an actor PID (the SDK's
 * driver) or, with the HTTP API, a chunked response stream. The master
 * speaks MasterToScheduler messages to both; the HTTP side maps them to v1
 * events.
 */
export interface SchedulerConnection {
  /** Distinguishes connections: the scheduler's PID text, or an HTTP stream id. */
  readonly id: string;
  readonly kind: 'actor' | 'http';
  /** The principal the scheduler authenticated as (its runtime's connection, or HTTP authentication); undefined: unauthenticated. */
  readonly principal?: string | undefined;
  send<N extends keyof MasterToScheduler & string>(name: N, body: MasterToScheduler[N]): void;
  /** Ends the connection from the master's side (a replaced scheduler, a removed framework). */
  close(): void;
}
