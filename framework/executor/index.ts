/** The executor side of the SDK (`import { ExecutorDriver } from 'mesos-ts/executor'`): a driver for custom executors. */
export { ExecutorDriver, executorEnvironment, type Executor, type ExecutorDriverOptions, type ExecutorEnvironment } from './driver.js';
