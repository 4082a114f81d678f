/**
 * The framework SDK: what framework code embeds.
 *  - scheduler/: SchedulerDriver, the Scheduler interface, master detection, helpers.
 *  - executor/: ExecutorDriver for custom executors (import from './executor/index.js').
 */
export * from './scheduler/index.js';
