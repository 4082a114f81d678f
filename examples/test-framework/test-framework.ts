/**
 * The test framework (as Mesos's `test-framework`): runs N command tasks,
 * prints every state change, and reports success when all of them finished.
 * Importable: `make local`, the web UI tests and the SDK tests run it in-process.
 */
import type { Random, Runtime } from 'libprocess-ts';
import { isTerminal, type TaskState } from '../../protocol/task-states.js';
import { SchedulerDriver, firstFit, type DriverStatus, type MasterSpec, type Scheduler, type TaskRequest } from '../../framework/index.js';

export interface TestFrameworkOptions {
  /** `host:port`, a list, or a detector. */
  master: MasterSpec;
  /** How many tasks (default 5). */
  tasks?: number;
  /** Shell command of each task (default: says hello and sleeps 1 s). */
  command?: string;
  /** Resources of each task (default `cpus:0.1;mem:32`). */
  resources?: string;
  /** Framework name (default `Test Framework (TypeScript)`). */
  name?: string;
  user?: string;
  role?: string;
  /** Where each line goes (default console.log). */
  log?: (line: string) => void;
  runtime?: Runtime;
  random?: Random | number;
  frameworkIdFile?: string;
  /** The framework's principal and secret (its FrameworkInfo.principal; the driver authenticates with it). */
  credential?: { readonly principal: string; readonly secret: string };
}

export interface TestFrameworkResult {
  /** 0 when every task finished, 1 otherwise. */
  exitCode: 0 | 1;
  frameworkId: string | undefined;
  /** Every state each task went through, in order. */
  states: Map<string, TaskState[]>;
  driverStatus: DriverStatus;
}

export const DEFAULT_COMMAND = 'echo "hello from task $MESOS_TASK_ID"; sleep 1';
export const DEFAULT_RESOURCES = 'cpus:0.1;mem:32';

/** Runs the framework to the end: resolves once every task reached a terminal state (or the driver aborted). */
export async function runTestFramework(options: TestFrameworkOptions): Promise<TestFrameworkResult> {
  const total = options.tasks ?? 5;
  if (!Number.isInteger(total) || total < 1) throw new Error(`test-framework: --tasks must be a positive integer, got ${options.tasks}`);
  const command = options.command ?? DEFAULT_COMMAND;
  const resources = options.resources ?? DEFAULT_RESOURCES;
  const log = options.log ?? ((line: string) => console.log(line));
  const states = new Map<string, TaskState[]>();
  let launched = 0;
  let finished = 0;
  let failed = 0;
  let done!: () => void;
  const allDone = new Promise<void>((resolve) => (done = resolve));

  const scheduler: Scheduler = {
    registered(_driver, frameworkId, masterInfo) {
      log(`Registered with master ${masterInfo?.id ?? '?'} as framework ${frameworkId.value}`);
    },
    reregistered(_driver, masterInfo) {
      log(`Reregistered with master ${masterInfo?.id ?? '?'}`);
    },
    disconnected() {
      log('Disconnected from the master; reconnecting');
    },
    resourceOffers(driver, offers) {
      const wanted: TaskRequest[] = [];
      for (let i = launched; i < total; i++) wanted.push({ id: String(i), name: `Task ${i}`, resources, command });
      const plan = firstFit(offers, wanted);
      for (const { offer, tasks } of plan.launches.values()) {
        for (const t of tasks) {
          log(`Launching task ${t.task_id.value} using offer ${offer.id.value} on ${offer.hostname}`);
          states.set(t.task_id.value, []);
        }
        launched += tasks.length;
        driver.launchTasks([offer.id], tasks);
      }
      // Everything launched: no need for offers for a while.
      for (const offer of plan.unused) driver.declineOffer(offer.id, { refuse_seconds: launched >= total ? 3600 : 5 });
    },
    statusUpdate(_driver, status) {
      const id = status.task_id.value;
      log(`Task ${id} is in state ${status.state}${status.message ? ` (${status.message})` : ''}`);
      const seen = states.get(id) ?? [];
      seen.push(status.state);
      states.set(id, seen);
      if (!isTerminal(status.state) || seen.filter(isTerminal).length > 1) return;
      if (status.state === 'TASK_FINISHED') finished++;
      else {
        failed++;
        log(`Task ${id} did not finish: ${status.state}${status.reason ? ` ${status.reason}` : ''}`);
      }
      if (finished + failed === total) done();
    },
    error(_driver, message) {
      log(`Error: ${message}`);
      done();
    },
  };

  const driver = await SchedulerDriver.start({
    master: options.master,
    framework: { name: options.name ?? 'Test Framework (TypeScript)', ...(options.user ? { user: options.user } : {}), ...(options.role ? { roles: [options.role], capabilities: [{ type: 'MULTI_ROLE' }] } : {}), ...(options.credential ? { principal: options.credential.principal } : {}) },
      // The driver authenticates its connections with it (its own runtime, as that principal).
      ...(options.credential ? { credential: options.credential } : {}),
    scheduler,
    ...(options.runtime ? { runtime: options.runtime } : {}),
    ...(options.random !== undefined ? { random: options.random } : {}),
    ...(options.frameworkIdFile ? { frameworkIdFile: options.frameworkIdFile } : {}),
  });
  await Promise.race([allDone, driver.join()]);
  const frameworkId = driver.frameworkId;
  const driverStatus = driver.status === 'DRIVER_RUNNING' ? await driver.stop() : driver.status;
  const ok = finished === total && driverStatus === 'DRIVER_STOPPED';
  log(ok ? `All ${total} tasks finished` : `${finished} of ${total} tasks finished, ${failed} did not`);
  return { exitCode: ok ? 0 : 1, frameworkId, states, driverStatus };
}
