// A long-running service: keeps --instances copies of --command running, with
// an HTTP endpoint of its own to scale and to roll out new versions.
//   node dist/examples/services/main.js --master 127.0.0.1:5050 --app web --instances 2 \
//     --command 'python3 -m http.server $PORT0' --resources 'cpus:0.1;mem:64' --ports 1 \
//     --health http:/ --one-per-host --http-port 8088
//   curl localhost:8088/apps; curl -X PUT -d '{"instances":3}' localhost:8088/apps/web
// Ctrl-C leaves the instances running (failover); a restart with the same
// --framework-id-file adopts them. --teardown on Ctrl-C kills them instead.
import { stopDefaultRuntime } from 'libprocess-ts';
import { parseAttributeConstraints } from './constraints.js';
import { ServiceScheduler } from './service-scheduler.js';
import type { AppHealthCheck } from './app-spec.js';
import { CREDENTIAL_HELP, CREDENTIAL_OPTIONS, credentialOf, exampleArgs, masterOf } from '../cli-args.js';

const HELP = `Usage: services [options]

Keeps N instances of a command running on a mesos-ts cluster; replaces the ones that end;
serves GET /apps, GET /apps/<id> and PUT /apps/<id> (scale, or roll out a new version).

Options:
  --master <address>          host:port or a comma-separated list (default $MESOS_MASTER or 127.0.0.1:5050)
  --app <id>                  app id, the prefix of its task ids (default app)
  --command <shell>           the instance's command; $PORT0... are its ports (required)
  --instances <n>             default 1
  --resources <text>          per instance (default cpus:0.1;mem:32)
  --ports <n>                 free ports per instance (default 0)
  --health <check>            http:<path> | tcp | cmd:<shell>, on $PORT0 (default: none)
  --constraint <c>            attribute constraint, repeatable: rack:EQUALS:r1, gpu:EXISTS
  --one-per-host              at most one instance per host
  --http-port <port>          the scheduler's port for /apps (default $LIBPROCESS_PORT or a free one)
  --framework-id-file <path>  default /tmp/mesos-ts-services-<app>.id (the spec is kept at <path>.app.json)
  --teardown                  on Ctrl-C, kill the instances (default: leave them for the next run)
${CREDENTIAL_HELP}
  -h, --help                  this text`;

const args = exampleArgs('services', HELP, {
  ...CREDENTIAL_OPTIONS,
  master: { type: 'string' },
  app: { type: 'string' },
  command: { type: 'string' },
  instances: { type: 'string' },
  resources: { type: 'string' },
  ports: { type: 'string' },
  health: { type: 'string' },
  constraint: { type: 'string', multiple: true },
  'one-per-host': { type: 'boolean' },
  'http-port': { type: 'string' },
  'framework-id-file': { type: 'string' },
  teardown: { type: 'boolean' },
});
const { values } = args;
const credential = credentialOf(values, args.usage);
const credentialOption = credential !== undefined ? { credential } : {};
// Annotated, so that the compiler knows a call does not return.
const usage: (message: string) => never = args.usage;
if (values.command === undefined) usage('--command is required');
const count = (name: string, text: string | undefined, dflt: number): number => {
  const n = text === undefined ? dflt : Number(text);
  if (!Number.isInteger(n) || n < 0) usage(`--${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return n;
};
function health(text: string | undefined): AppHealthCheck | undefined {
  if (text === undefined) return undefined;
  if (text === 'tcp') return { type: 'TCP', gracePeriodSeconds: 10, intervalSeconds: 2, delaySeconds: 1 };
  if (text.startsWith('http:')) return { type: 'HTTP', path: text.slice(5) || '/', gracePeriodSeconds: 10, intervalSeconds: 2, delaySeconds: 1 };
  if (text.startsWith('cmd:') && text.length > 4) return { type: 'COMMAND', command: text.slice(4), gracePeriodSeconds: 10, intervalSeconds: 2, delaySeconds: 1 };
  usage(`--health must be http:<path>, tcp or cmd:<shell>, got ${JSON.stringify(text)}`);
}
if (values['http-port'] !== undefined) {
  const port = count('http-port', values['http-port'], 0);
  if (port > 65535) usage(`--http-port must be at most 65535, got ${port}`);
  process.env.LIBPROCESS_PORT = String(port);
}
const appId = values.app ?? 'app';
let constraints;
try {
  constraints = parseAttributeConstraints(values.constraint ?? []);
} catch (e) {
  usage((e as Error).message);
}
const healthCheck = health(values.health);
let service: ServiceScheduler;
try {
  service = await ServiceScheduler.start({
    master: masterOf(values),
    ...credentialOption,
    app: {
      id: appId,
      command: values.command,
      instances: count('instances', values.instances, 1),
      resources: values.resources ?? 'cpus:0.1;mem:32',
      ports: count('ports', values.ports, 0),
      onePerHost: values['one-per-host'] ?? false,
      ...(healthCheck ? { healthCheck } : {}),
      ...(constraints.length > 0 ? { constraints } : {}),
    },
    frameworkIdFile: values['framework-id-file'] ?? `/tmp/mesos-ts-services-${appId}.id`,
  });
} catch (e) {
  usage((e as Error).message);
}
console.log(`services: HTTP on http://${service.driver.runtime.address}/apps (app ${appId}, version ${service.version})`);
const quit = async (): Promise<void> => {
  await service.stop(!values.teardown);
  await stopDefaultRuntime();
  process.exit(0);
};
process.once('SIGINT', () => void quit());
process.once('SIGTERM', () => void quit());
const status = await service.driver.join();
await stopDefaultRuntime();
process.exit(status === 'DRIVER_STOPPED' ? 0 : 1);
