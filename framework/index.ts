/**
 * The framework SDK: what framework code embeds.
 *  - scheduler/: SchedulerDriver, the Scheduler interface, master detection, helpers.
 *  - executor/: ExecutorDriver for custom executors ('mesos-ts/executor': executor/index.ts).
 */
export * from './scheduler/index.js';
/** A runtime whose connections authenticate as a framework's (or executor's) principal: for framework code that serves more than the driver on its runtime. */
export { authenticatedRuntime } from './runtime.js';
