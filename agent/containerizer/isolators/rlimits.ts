/**
 * posix/rlimits (Mesos's isolator of that name): the container's
 * ContainerInfo.rlimit_info becomes resource limits of its main process,
 * set before it execs, so everything it forks inherits them.
 */
import { PassiveIsolator } from './passive.js';
import type { Isolator, PrepareInfo, PrepareResult } from './isolator.js';

export class RLimitsIsolator extends PassiveIsolator implements Isolator {
  readonly name = 'posix/rlimits';
  async prepare(_containerId: string, info: PrepareInfo): Promise<PrepareResult> {
    const rlimits = info.config?.container?.rlimits ?? [];
    return rlimits.length > 0 ? { rlimits } : {};
  }
  async recover(): Promise<void> {}
  async cleanup(): Promise<void> {}
}
