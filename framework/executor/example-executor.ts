/**
 * An example custom executor, run by the agent as its own OS process:
 *
 *   node --import ./test/ts-loader.mjs framework/executor/example-executor.ts
 *
 * A task's `data` (text) says what to do: `sleep` keeps it running until it
 * is killed, `fail` fails it, anything else finishes it at once. A framework
 * message is echoed back prefixed with `echo:`. On shutdown every running
 * task is killed and the process exits.
 */
import { pathToFileURL } from 'node:url';
import type { TaskID, TaskInfo } from '../../protocol/types.js';
import { ExecutorDriver, type Executor } from './driver.js';

export class ExampleExecutor implements Executor {
  readonly running = new Map<string, TaskInfo>();

  registered(): void {
    console.log('example executor registered');
  }
  reregistered(): void {
    console.log('example executor re-registered');
  }
  disconnected(): void {
    console.log('example executor disconnected from its agent');
  }
  launchTask(driver: ExecutorDriver, task: TaskInfo): void {
    const what = task.data ? Buffer.from(task.data).toString('utf8') : '';
    console.log(`launching task ${task.task_id.value}: ${what || '(finish)'}`);
    driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_RUNNING' });
    if (what === 'sleep') {
      this.running.set(task.task_id.value, task);
    } else if (what === 'fail') {
      driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_FAILED', message: 'asked to fail' });
    } else {
      driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_FINISHED', message: 'done' });
    }
  }
  killTask(driver: ExecutorDriver, taskId: TaskID): void {
    this.running.delete(taskId.value);
    driver.sendStatusUpdate({ task_id: taskId, state: 'TASK_KILLED', message: 'killed by the example executor' });
  }
  frameworkMessage(driver: ExecutorDriver, data: Uint8Array): void {
    driver.sendFrameworkMessage(new Uint8Array(Buffer.from(`echo:${Buffer.from(data).toString('utf8')}`)));
  }
  shutdown(driver: ExecutorDriver): void {
    for (const id of [...this.running.keys()]) this.killTask(driver, { value: id });
  }
  error(_driver: ExecutorDriver, message: string): void {
    console.error(`example executor error: ${message}`);
  }
}

export async function main(): Promise<void> {
  const driver = new ExecutorDriver(new ExampleExecutor());
  await driver.start();
  const status = await driver.join();
  console.log(`example executor driver ended: ${status}`);
  process.exit(status === 'DRIVER_STOPPED' ? 0 : 1);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: Error) => {
    console.error(e.stack ?? String(e));
    process.exit(1);
  });
}
