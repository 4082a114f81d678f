// Chronos-like cron jobs on a mesos-ts cluster.
//   node dist/examples/cron/main.js --master 127.0.0.1:5050 \
//     --job '{"name":"tick","command":"date","schedule":"R//PT10S"}' \
//     --job '{"name":"after","command":"echo after tick","parents":["tick"]}' --history-file /tmp/cron.json
//   curl localhost:<port>/jobs; curl localhost:<port>/jobs/history
import { readFile } from 'node:fs/promises';
import { stopDefaultRuntime } from 'libprocess-ts';
import { CronScheduler } from './cron-scheduler.js';
import { CREDENTIAL_HELP, CREDENTIAL_OPTIONS, credentialOf, exampleArgs, masterOf } from '../cli-args.js';

const HELP = `Usage: cron [options]

Runs jobs on ISO 8601 repeating schedules (R[n]/<start>/<period>, e.g. R/2026-11-22T10:00:00Z/PT1M;
an empty start means now: R//PT10S), retries failed runs, runs dependent jobs after their parents
succeed, and records every run (stdout, GET /jobs/history, --history-file).

Options:
  --master <address>     host:port or a comma-separated list (default $MESOS_MASTER or 127.0.0.1:5050)
  --jobs <file.json>     a JSON array of jobs
  --job <json>           one job, repeatable: {"name","command","schedule" | "parents",
                         "retries" (2), "retryDelaySeconds" (5), "resources" ("cpus:0.1;mem:32")}
  --history-file <path>  keep the history as JSON there too
  --http-port <port>     the port for /jobs (default $LIBPROCESS_PORT or a free one)
${CREDENTIAL_HELP}
  -h, --help             this text`;

const args = exampleArgs('cron', HELP, {
  ...CREDENTIAL_OPTIONS,
  master: { type: 'string' },
  jobs: { type: 'string' },
  job: { type: 'string', multiple: true },
  'history-file': { type: 'string' },
  'http-port': { type: 'string' },
});
const { values } = args;
const credential = credentialOf(values, args.usage);
const credentialOption = credential !== undefined ? { credential } : {};
// Annotated, so that the compiler knows a call does not return.
const usage: (message: string) => never = args.usage;
const jobs: unknown[] = [];
if (values.jobs !== undefined) {
  let text: string;
  try {
    text = await readFile(values.jobs, 'utf8');
  } catch (e) {
    usage(`--jobs: cannot read ${values.jobs}: ${(e as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) usage(`--jobs: ${values.jobs} must hold a JSON array`);
    jobs.push(...parsed);
  } catch (e) {
    usage(`--jobs: ${values.jobs} is not JSON: ${(e as Error).message}`);
  }
}
for (const j of values.job ?? []) {
  try {
    jobs.push(JSON.parse(j));
  } catch (e) {
    usage(`--job ${j}: not JSON: ${(e as Error).message}`);
  }
}
if (jobs.length === 0) usage('no jobs: give --jobs or --job');
if (values['http-port'] !== undefined) {
  const port = Number(values['http-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--http-port must be a port number, got ${JSON.stringify(values['http-port'])}`);
  process.env.LIBPROCESS_PORT = String(port);
}
let cron: CronScheduler;
try {
  cron = await CronScheduler.start({
    master: masterOf(values),
    ...credentialOption,
    jobs,
    ...(values['history-file'] ? { historyFile: values['history-file'] } : {}),
  });
} catch (e) {
  usage((e as Error).message);
}
console.log(`cron: ${cron.jobs.size} job(s); HTTP on http://${cron.runtime.address}/jobs`);
const quit = async (): Promise<void> => {
  await cron.stop();
  await cron.history.flushed();
  await stopDefaultRuntime();
  process.exit(0);
};
process.once('SIGINT', () => void quit());
process.once('SIGTERM', () => void quit());
const status = await cron.driver.join();
await cron.history.flushed();
await stopDefaultRuntime();
process.exit(status === 'DRIVER_STOPPED' ? 0 : 1);
