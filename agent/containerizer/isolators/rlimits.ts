/**
 * posix/rlimits (Mesos's isolator of that name): the container's
 * ContainerInfo.rlimit_info becomes resource limits of its main process,
 * set before it execs, so everything it forks inherits them.
 */
import type { Limitation } from '../types.js';
import type { Isolator, PrepareInfo, PrepareResult } from './isolator.js';

export class RLimitsIsolator implements Isolator {
  readonly name = 'posix/rlimits';
  async prepare(_containerId: string, info: PrepareInfo): Promise<PrepareResult> {
    const rlimits = info.config?.container?.rlimits ?? [];
    return rlimits.length > 0 ? { rlimits } : {};
  }
  async isolate(): Promise<void> {}
  async recover(): Promise<void> {}
  watch(): Promise<Limitation> {
    return new Promise(() => {});
  }
  async usage(): Promise<{}> {
    return {};
  }
  async cleanup(): Promise<void> {}
}
