// The chaos test's framework, its own OS process: keeps up to --inflight short command tasks
// running, launching more as they end, and writes one JSON line per event on stdout (the
// history's framework part): launch, update (task, state, uuid, agent), registered, error.
// As a Mesos framework must, it reconciles: every --reconcile ms it asks the master about each
// task it launched that has not ended (with the agent it went to), so a launch lost with a
// leader that was cut off before telling anyone ends (TASK_GONE, TASK_LOST) instead of hanging.
// A line `stop` on stdin: launch no more, exit once every launched task has ended (or --drain
// has passed; the unfinished are then named in a `drained` line).
//   node --import ./test/ts-loader.mjs test/chaos/framework.ts --master <list> --credential <file>
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { realClock, stopDefaultRuntime } from 'libprocess-ts';
import { SchedulerDriver, firstFit, type Scheduler, type TaskRequest } from '../../framework/index.js';
import { readCredentialFile } from '../../protocol/credentials.js';
import { isTerminal } from '../../protocol/task-states.js';

const { values } = parseArgs({
  options: {
    master: { type: 'string' },
    credential: { type: 'string' },
    inflight: { type: 'string', default: '6' },
    command: { type: 'string', default: 'sleep 2' },
    drain: { type: 'string', default: '60000' },
    reconcile: { type: 'string', default: '3000' },
  },
});
if (values.master === undefined || values.credential === undefined) {
  process.stderr.write('chaos framework: --master and --credential are required\n');
  process.exit(2);
}
const inflight = Number(values.inflight);
const credential = readCredentialFile(values.credential);
const emit = (event: Record<string, unknown>): void => void process.stdout.write(JSON.stringify({ t: realClock.now(), ...event }) + '\n');

let next = 0;
let stopping = false;
/** Launched and not yet terminal at this scheduler: task id → the agent it was launched on. */
const open = new Map<string, string>();
let finish: (() => void) | undefined;
const finished = new Promise<void>((r) => (finish = r));

const scheduler: Scheduler = {
  registered: (_d, id) => emit({ ev: 'registered', framework: id.value }),
  reregistered: () => emit({ ev: 'reregistered' }),
  disconnected: () => emit({ ev: 'disconnected' }),
  resourceOffers(driver, offers) {
    const wanted: TaskRequest[] = [];
    const room = stopping ? 0 : Math.max(0, inflight - open.size);
    for (let i = 0; i < room; i++) wanted.push({ id: `t${next + i}`, name: `chaos ${next + i}`, resources: 'cpus:0.1;mem:16', command: values.command! });
    const plan = firstFit(offers, wanted);
    for (const { offer, tasks } of plan.launches.values()) {
      for (const t of tasks) {
        open.set(t.task_id.value, offer.agent_id.value);
        emit({ ev: 'launch', task: t.task_id.value, agent: offer.agent_id.value, offer: offer.id.value });
      }
      next += tasks.length;
      driver.launchTasks([offer.id], tasks);
    }
    for (const offer of plan.unused) driver.declineOffer(offer.id, { refuse_seconds: 1 });
  },
  statusUpdate(_d, s) {
    const task = s.task_id.value;
    emit({ ev: 'update', task, state: s.state, uuid: s.uuid === undefined ? null : Buffer.from(s.uuid).toString('hex'), agent: s.agent_id?.value ?? null, reason: s.reason ?? null, source: s.source ?? null });
    if (isTerminal(s.state)) open.delete(task);
    if (stopping && open.size === 0) finish?.();
  },
  error: (_d, message) => emit({ ev: 'error', message }),
};

const driver = await SchedulerDriver.start({
  master: values.master,
  // A fault-tolerant framework: cut off from the masters for a while, it is not removed (Mesos's default failover_timeout, 0, removes it at once).
  framework: { name: 'chaos', principal: credential.principal, checkpoint: true, failover_timeout: 3600 },
  credential,
  scheduler,
});
const reconcile = (): void => {
  if (open.size > 0 && driver.status === 'DRIVER_RUNNING') {
    emit({ ev: 'reconcile', tasks: [...open.keys()] });
    driver.reconcileTasks([...open].map(([task, agent]) => ({ task_id: { value: task }, agent_id: { value: agent } })));
  }
  realClock.timer(Number(values.reconcile), reconcile);
};
realClock.timer(Number(values.reconcile), reconcile);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'stop' || stopping) return;
  stopping = true;
  emit({ ev: 'stopping', open: [...open.keys()] });
  if (open.size === 0) finish?.();
  // Tasks whose end never comes: say which, then go.
  realClock.timer(Number(values.drain), () => {
    emit({ ev: 'drained', open: [...open.keys()] });
    finish?.();
  });
});
await Promise.race([finished, driver.join()]);
emit({ ev: 'done', launched: next, open: [...open.keys()], driver: driver.status });
if (driver.status === 'DRIVER_RUNNING') await driver.stop();
await stopDefaultRuntime();
process.exit(0);
