// The paper's workload: frameworks that keep launching tasks on whatever they
// are offered (each task 1 CPU / 1 GB, so a 2-CPU agent runs at most two),
// tasks lasting a normally distributed time (mean 30 s, sd 10 s) scaled by a
// factor so a run fits in minutes.
import { Random, type Runtime } from 'libprocess-ts';
import { SchedulerDriver, toResources } from '../../framework/scheduler/index.js';
import type { Offer, TaskInfo } from '../../protocol/types.js';

export const AGENT_RESOURCES = 'cpus:2;mem:2048;disk:4096;ports:[31000-32000]';
export const TASK = { cpus: 1, mem: 1024 };

export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** A normally distributed duration in ms (Box-Muller), at least 10 ms. */
export function taskDurationMs(random: Random, scale: number, meanS = 30, sdS = 10): number {
  const u = Math.max(random.float(), 1e-12);
  const v = random.float();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.max(10, (meanS + sdS * z) * 1000 * scale);
}

export interface FrameworkStats {
  /** [agent id, time offered] of every offer received. */
  offers: [string, number][];
  launched: number;
  finished: number;
}

/** Starts `count` greedy frameworks in `runtime`; they report offers into `stats`. */
export async function startFrameworks(runtime: Runtime, master: string, count: number, scale: number, seed: number, stats: FrameworkStats): Promise<SchedulerDriver[]> {
  const drivers: SchedulerDriver[] = [];
  for (let i = 0; i < count; i++) {
    const random = new Random(seed * 1000 + i);
    let n = 0;
    const driver = await SchedulerDriver.start({
      master,
      runtime,
      random,
      processId: `bench-fw-${i}`,
      framework: { name: `bench-${i}`, failover_timeout: 3600 },
      scheduler: {
        resourceOffers: (d, offers) => {
          const t = now();
          for (const offer of offers) {
            stats.offers.push([offer.agent_id.value, t]);
            const tasks = fill(offer, () => `f${i}-t${n++}`, random, scale);
            if (tasks.length === 0) d.declineOffer(offer.id, { refuse_seconds: 1 });
            else d.launchTasks(offer.id, tasks, { refuse_seconds: 1 });
            stats.launched += tasks.length;
          }
        },
        statusUpdate: (_d, status) => {
          if (status.state === 'TASK_FINISHED') stats.finished++;
        },
        warning: () => {},
      },
    });
    drivers.push(driver);
  }
  return drivers;
}

/** A task's resources allocated to a role, made once per role (the frameworks' own cost shares the machine with the master). */
const taskResources = new Map<string, TaskInfo['resources']>();
function resourcesFor(role: string): TaskInfo['resources'] {
  let r = taskResources.get(role);
  if (r === undefined) taskResources.set(role, (r = toResources(`cpus:${TASK.cpus};mem:${TASK.mem}`).allocate(role).toJSON()));
  return r;
}

/** As many 1 CPU / 1 GB tasks as the offer holds. */
function fill(offer: Offer, nextId: () => string, random: Random, scale: number): TaskInfo[] {
  const have = toResources(offer.resources);
  const n = Math.min(Math.floor(have.scalar('cpus') / TASK.cpus), Math.floor(have.scalar('mem') / TASK.mem));
  const tasks: TaskInfo[] = [];
  for (let k = 0; k < n; k++) {
    const id = nextId();
    const seconds = (taskDurationMs(random, scale) / 1000).toFixed(3);
    tasks.push({
      name: id,
      task_id: { value: id },
      agent_id: offer.agent_id,
      resources: resourcesFor(offer.allocation_info?.role ?? '*'),
      command: { value: `sleep ${seconds}` },
    });
  }
  return tasks;
}
