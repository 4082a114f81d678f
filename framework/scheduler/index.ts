export { SchedulerDriver, SchedulerDriverError, type SchedulerDriverOptions } from './driver.js';
export type { Scheduler, DriverEvent, DriverEventType, DriverStatus } from './scheduler.js';
export { EventStream } from './scheduler.js';
export { StaticMasterDetector, masterPidText, toDetector, type MasterDetector, type MasterSpec } from './detector.js';
export { ReplicaSetDetector, type ReplicaSetDetectorOptions } from './replica-detector.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export { readFrameworkId, writeFrameworkId, removeFrameworkId } from './framework-id-file.js';
export {
  Resources,
  TaskIdGenerator,
  commandTask,
  firstFit,
  isTaskDone,
  offerResources,
  reconcileTasks,
  sumResources,
  take,
  toResources,
  type FirstFitResult,
  type Placement,
  type ReconcileOptions,
  type ResourcesLike,
  type TaskRequest,
} from './helpers.js';
