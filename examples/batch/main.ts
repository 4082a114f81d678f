// A gang job: N tasks that start together or not at all.
//   node dist/examples/batch/main.js --master 127.0.0.1:5050 --tasks 3 --resources 'cpus:0.5;mem:64' \
//     --command 'echo "rank $GANG_RANK of $GANG_SIZE on $GANG_HOSTS"; sleep 2'
// Exits 0 when every task finished, 1 when the gang failed.
import { stopDefaultRuntime } from 'libprocess-ts';
import { GangScheduler } from './gang-scheduler.js';
import { CREDENTIAL_HELP, CREDENTIAL_OPTIONS, credentialOf, exampleArgs, masterOf } from '../cli-args.js';

const HELP = `Usage: batch [options]

Runs a gang of N tasks on a mesos-ts cluster: holds offers until they can host all N, then
launches all at once; releases them after --hold-timeout if the gang does not fit; one task
failing kills the others. Each task sees $GANG_RANK, $GANG_SIZE and $GANG_HOSTS.

Options:
  --master <address>       host:port or a comma-separated list (default $MESOS_MASTER or 127.0.0.1:5050)
  --id <id>                job id, the prefix of its task ids (default gang)
  --tasks <n>              gang size (default 2)
  --command <shell>        each task's command (default: prints its rank)
  --resources <text>       per task (default cpus:0.1;mem:32)
  --hold-timeout <ms>      longest hold of offers that cannot host the gang (default 30000)
${CREDENTIAL_HELP}
  -h, --help               this text`;

const args = exampleArgs('batch', HELP, {
  ...CREDENTIAL_OPTIONS,
  master: { type: 'string' },
  id: { type: 'string' },
  tasks: { type: 'string' },
  command: { type: 'string' },
  resources: { type: 'string' },
  'hold-timeout': { type: 'string' },
});
const { values } = args;
const credential = credentialOf(values, args.usage);
const credentialOption = credential !== undefined ? { credential } : {};
// Annotated, so that the compiler knows a call does not return.
const usage: (message: string) => never = args.usage;
const positive = (name: string, text: string | undefined, dflt: number): number => {
  const n = text === undefined ? dflt : Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return n;
};
let gang: GangScheduler;
try {
  gang = await GangScheduler.start({
    master: masterOf(values),
    ...credentialOption,
    job: {
      id: values.id ?? 'gang',
      tasks: positive('tasks', values.tasks, 2),
      command: values.command ?? 'echo "rank $GANG_RANK of $GANG_SIZE on $GANG_HOSTS"',
      resources: values.resources ?? 'cpus:0.1;mem:32',
    },
    holdTimeoutMs: positive('hold-timeout', values['hold-timeout'], 30_000),
  });
} catch (e) {
  usage((e as Error).message);
}
process.once('SIGINT', () => void gang.stop().then(() => stopDefaultRuntime()).then(() => process.exit(130)));
const result = await gang.result;
await gang.stop();
await stopDefaultRuntime();
process.exit(result.state === 'SUCCEEDED' ? 0 : 1);
