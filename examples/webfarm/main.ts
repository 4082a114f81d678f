// The elastic web farm: web servers whose number follows the load measured on them.
//   node dist/examples/webfarm/main.js --master 127.0.0.1:5050 --target-rps 20 --min 1 --max 5 \
//     --load 10,80,10 --phase-seconds 40
// Prints the load on each server and every scaling decision; Ctrl-C tears the farm down.
import { fileURLToPath } from 'node:url';
import { realClock, stopDefaultRuntime, type Timer } from 'libprocess-ts';
import { LoadGenerator } from './load.js';
import { WebFarm, httpStatsProbe } from './webfarm-scheduler.js';
import { CREDENTIAL_HELP, CREDENTIAL_OPTIONS, credentialOf, exampleArgs, masterOf } from '../cli-args.js';

const HELP = `Usage: webfarm [options]

Runs web servers (examples/webfarm/server.js, one per task, on $PORT0) on a mesos-ts cluster,
polls each one's /stats for its requests/s, and scales the farm to keep each near --target-rps.
With --load, a built-in load generator sends that many requests/s in all, phase by phase.

Options:
  --master <address>      host:port or a comma-separated list (default $MESOS_MASTER or 127.0.0.1:5050)
  --target-rps <n>        requests/s one server should take (default 20)
  --min <n>, --max <n>    farm size bounds (default 1, 5)
  --poll-ms <ms>          how often to measure (default 5000)
  --resources <text>      per server (default cpus:0.1;mem:64)
  --load <list>           total requests/s per phase, e.g. 10,80,10 (default: no generator)
  --phase-seconds <n>     length of each load phase (default 40)
  --probe-host <host>     reach servers at this host instead of the agent's hostname
${CREDENTIAL_HELP}
  -h, --help              this text`;

const args = exampleArgs('webfarm', HELP, {
  ...CREDENTIAL_OPTIONS,
  master: { type: 'string' },
  'target-rps': { type: 'string' },
  min: { type: 'string' },
  max: { type: 'string' },
  'poll-ms': { type: 'string' },
  resources: { type: 'string' },
  load: { type: 'string' },
  'phase-seconds': { type: 'string' },
  'probe-host': { type: 'string' },
});
const { values } = args;
const credential = credentialOf(values, args.usage);
const credentialOption = credential !== undefined ? { credential } : {};
// Annotated, so that the compiler knows a call does not return.
const usage: (message: string) => never = args.usage;
const num = (name: string, text: string | undefined, dflt: number, integer = true): number => {
  const n = text === undefined ? dflt : Number(text);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) usage(`--${name} must be a non-negative ${integer ? 'integer' : 'number'}, got ${JSON.stringify(text)}`);
  return n;
};
const phases = values.load === undefined ? [] : values.load.split(',').map((x) => num('load', x.trim(), 0, false));
const phaseMs = num('phase-seconds', values['phase-seconds'], 40) * 1000;
const server = fileURLToPath(new URL('./server.js', import.meta.url));
const probeHost = values['probe-host'];
let farm: WebFarm;
try {
  farm = await WebFarm.start({
    master: masterOf(values),
    ...credentialOption,
    command: `exec '${process.execPath}' '${server}'`,
    resources: values.resources ?? 'cpus:0.1;mem:64',
    policy: { targetRps: num('target-rps', values['target-rps'], 20, false), min: num('min', values.min, 1), max: num('max', values.max, 5) },
    pollMs: num('poll-ms', values['poll-ms'], 5000),
    probe: httpStatsProbe(2_000, probeHost),
  });
} catch (e) {
  usage((e as Error).message);
}
const started = realClock.now();
const rps = (): number => (phases.length === 0 ? 0 : phases[Math.min(phases.length - 1, Math.floor((realClock.now() - started) / phaseMs))]!);
const load = new LoadGenerator(realClock, () => farm.service.instances().filter((i) => i.state === 'TASK_RUNNING' && i.ports.length > 0).map((i) => ({ host: probeHost ?? i.hostname ?? '127.0.0.1', port: i.ports[0]! })), rps);
if (phases.length > 0) load.start();
let report: Timer | undefined;
const print = (): void => {
  console.log(`load ${rps()} rps offered; servers ${farm.service.instances().length}/${farm.size}; measured ${farm.lastLoads.map((x) => x.toFixed(1)).join(' ') || '-'} rps`);
  report = realClock.timer(5_000, print);
};
report = realClock.timer(5_000, print);
const quit = async (): Promise<void> => {
  report?.cancel();
  load.stop();
  await farm.stop(false);
  await stopDefaultRuntime();
  process.exit(0);
};
process.once('SIGINT', () => void quit());
process.once('SIGTERM', () => void quit());
const status = await farm.service.driver.join();
report?.cancel();
load.stop();
await stopDefaultRuntime();
process.exit(status === 'DRIVER_STOPPED' ? 0 : 1);
