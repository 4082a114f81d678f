// A key-value store on a reserved share of one agent and a persistent volume.
//   node dist/examples/kv-store/main.js --master 127.0.0.1:5050 --name demo --credential <file>
// Prints the server's address once it runs; kill the server (or its agent) and it comes back
// on the same volume with its data. SIGTERM/SIGINT: the framework is torn down (the
// reservation and the volume stay, for the next run in the same role).
import { fileURLToPath } from 'node:url';
import { stopDefaultRuntime } from 'libprocess-ts';
import { KvStoreScheduler } from './kv-scheduler.js';
import { CREDENTIAL_HELP, CREDENTIAL_OPTIONS, credentialOf, exampleArgs, masterOf } from '../cli-args.js';

const HELP = `Usage: kv-store [options]

Runs a key-value server (GET/PUT http://<host>:<port>/kv/<key>) on resources it reserves for
its role, with its data on a persistent volume: restarted on the same volume when it ends.

Options:
  --master <address>       host:port or a comma-separated list (default $MESOS_MASTER or 127.0.0.1:5050)
  --name <name>            the store's name: its volume is kv-<name> (default demo)
  --role <role>            the role it reserves for (default kv)
  --cpus <n>, --mem <MB>   the server's share (default 0.1, 64)
  --disk <MB>              the volume's size (default 64)
${CREDENTIAL_HELP}
  -h, --help               this text`;

const args = exampleArgs('kv-store', HELP, {
  ...CREDENTIAL_OPTIONS,
  master: { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string' },
  cpus: { type: 'string' },
  mem: { type: 'string' },
  disk: { type: 'string' },
});
const { values } = args;
const credential = credentialOf(values, args.usage);
const amount = (name: string, text: string | undefined, dflt: number): number => {
  const n = text === undefined ? dflt : Number(text);
  if (!(n > 0) || !Number.isFinite(n)) args.usage(`--${name} must be a positive number, got ${JSON.stringify(text)}`);
  return n;
};
const name = values.name ?? 'demo';
if (!/^[A-Za-z0-9_.-]+$/.test(name)) args.usage(`--name must be letters, digits, '_', '.', '-', got ${JSON.stringify(name)}`);
const server = fileURLToPath(new URL('./server.js', import.meta.url));
let store: KvStoreScheduler;
try {
  store = await KvStoreScheduler.start({
    master: masterOf(values),
    name,
    ...(values.role !== undefined ? { role: values.role } : {}),
    cpus: amount('cpus', values.cpus, 0.1),
    memMb: amount('mem', values.mem, 64),
    diskMb: amount('disk', values.disk, 64),
    serverCommand: `'${process.execPath}' '${server}'`,
    ...(credential !== undefined ? { credential } : {}),
  });
} catch (e) {
  args.usage((e as Error).message);
}
const stop = (code: number) => () => void store.stop().then(() => stopDefaultRuntime()).then(() => process.exit(code));
process.once('SIGINT', stop(130));
process.once('SIGTERM', stop(0));
