/**
 * What a SchedulerDriver is started with, and the error its calls throw: shared by the facade
 * (driver.ts) and its actor (driver-process.ts).
 */
import type { Logger, Random, Runtime } from 'libprocess-ts';
import type { FrameworkInfo } from '../../protocol/types.js';
import type { BackoffOptions } from './backoff.js';
import type { MasterSpec } from './detector.js';
import type { Scheduler } from './scheduler.js';

export class SchedulerDriverError extends Error {
  constructor(
    readonly code: 'E_NOT_RUNNING' | 'E_BAD_ARGUMENT',
    message: string,
  ) {
    super(message);
    this.name = 'SchedulerDriverError';
  }
}

export interface SchedulerDriverOptions {
  /** `host:port`, `id@host:port`, a comma-separated list or an array (tried in turn), a PID, or a MasterDetector. */
  master: MasterSpec;
  /** The framework; `user` defaults to the OS user. A given `id` fails over to that framework. */
  framework: Omit<FrameworkInfo, 'user'> & { user?: string };
  scheduler?: Scheduler;
  /** Default: the default runtime of libprocess-ts (`spawn`), or with `credential` a runtime of the driver's own. */
  runtime?: Runtime;
  /**
   * The framework's principal and secret (Mesos's framework --credential).
   * Without `runtime`, the driver makes its own runtime (LIBPROCESS_IP /
   * LIBPROCESS_PORT / LIBPROCESS_SSL_*) whose connections authenticate as
   * this principal, and stops it when the driver ends. It is also
   * FrameworkInfo.principal unless the framework names one.
   */
  credential?: { readonly principal: string; readonly secret: string };
  /** Acknowledge each status update after `statusUpdate` returns (default true). */
  implicitAcknowledgements?: boolean;
  /** Where the framework id is kept: read at start, written atomically when subscribed, removed on teardown. */
  frameworkIdFile?: string;
  /** Roles to subscribe suppressed. */
  suppressedRoles?: string[];
  /** Backoff between connection attempts (default 1 s doubling to 1 min, with jitter). */
  backoff?: BackoffOptions;
  /** Seeded randomness for the jitter (a Random or a seed); default seeded from the OS. */
  random?: Random | number;
  /** The actor's id (default `scheduler-<n>`). */
  processId?: string;
  logger?: Logger;
}
