// A long-running service: keeps --instances copies of --command running.
//   node dist/examples/services/main.js --master 127.0.0.1:5050 --app web --instances 2 \
//     --command 'python3 -m http.server $PORT0' --resources 'cpus:0.1;mem:64' --ports 1 --one-per-host
// Ctrl-C leaves the instances running (failover); a restart with the same
// --framework-id-file adopts them. --teardown on Ctrl-C kills them instead.
import { parseArgs } from 'node:util';
import { stopDefaultRuntime } from 'libprocess-ts';
import { ServiceScheduler } from './service-scheduler.js';

const HELP = `Usage: services [options]

Keeps N instances of a command running on a mesos-ts cluster; replaces the ones that end.

Options:
  --master <address>          host:port or a comma-separated list (default $MESOS_MASTER or 127.0.0.1:5050)
  --app <id>                  app id, the prefix of its task ids (default app)
  --command <shell>           the instance's command; $PORT0... are its ports (required)
  --instances <n>             default 1
  --resources <text>          per instance (default cpus:0.1;mem:32)
  --ports <n>                 free ports per instance (default 0)
  --one-per-host              at most one instance per host
  --framework-id-file <path>  default /tmp/mesos-ts-services-<app>.id
  --teardown                  on Ctrl-C, kill the instances (default: leave them for the next run)
  -h, --help                  this text`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      master: { type: 'string' },
      app: { type: 'string' },
      command: { type: 'string' },
      instances: { type: 'string' },
      resources: { type: 'string' },
      ports: { type: 'string' },
      'one-per-host': { type: 'boolean' },
      'framework-id-file': { type: 'string' },
      teardown: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  console.error(`services: ${(e as Error).message}\n\n${HELP}`);
  process.exit(2);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
if (values.command === undefined) {
  console.error(`services: --command is required\n\n${HELP}`);
  process.exit(2);
}
const count = (name: string, text: string | undefined, dflt: number): number => {
  const n = text === undefined ? dflt : Number(text);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`services: --${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
};
const appId = values.app ?? 'app';
const service = await ServiceScheduler.start({
  master: values.master ?? process.env.MESOS_MASTER ?? '127.0.0.1:5050',
  app: {
    id: appId,
    command: values.command,
    instances: count('instances', values.instances, 1),
    resources: values.resources ?? 'cpus:0.1;mem:32',
    ports: count('ports', values.ports, 0),
    onePerHost: values['one-per-host'] ?? false,
  },
  frameworkIdFile: values['framework-id-file'] ?? `/tmp/mesos-ts-services-${appId}.id`,
});
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
