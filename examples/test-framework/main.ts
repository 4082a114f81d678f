// `make example-test-framework`: runs N tasks on a mesos-ts cluster and prints their states.
//   node dist/examples/test-framework/main.js --master 127.0.0.1:5050 --tasks 5
import { parseArgs } from 'node:util';
import { stopDefaultRuntime } from 'libprocess-ts';
import { readCredentialFile, type Credential } from '../../protocol/credentials.js';
import { DEFAULT_COMMAND, DEFAULT_RESOURCES, runTestFramework } from './test-framework.js';

const HELP = `Usage: test-framework [options]

Runs N command tasks on a mesos-ts cluster, prints each task's state changes,
and exits 0 when all of them finished (1 if any did not).

Options:
  --master <address>     master host:port, id@host:port, or a comma-separated list
                         (default $MESOS_MASTER or 127.0.0.1:5050)
  --tasks <n>            number of tasks (default 5)
  --command <shell>      each task's command (default '${DEFAULT_COMMAND}')
  --resources <text>     each task's resources (default '${DEFAULT_RESOURCES}')
  --name <name>          framework name
  --role <role>          role to subscribe with (default '*')
  --framework-id-file <path>  keep the framework id there (a restart fails over to it)
  --credential <file>    the framework's {"principal": ..., "secret": ...} (mesos-ts local writes
                         <work_dir>/operator-credential.json)
  --principal <p>, --secret <s>  the same given directly (default $MESOS_PRINCIPAL, $MESOS_SECRET)
  -h, --help             this text

The scheduler listens on LIBPROCESS_IP:LIBPROCESS_PORT (default 127.0.0.1 and a free port).`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      master: { type: 'string' },
      tasks: { type: 'string' },
      command: { type: 'string' },
      resources: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      'framework-id-file': { type: 'string' },
      credential: { type: 'string' },
      principal: { type: 'string' },
      secret: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  console.error(`test-framework: ${(e as Error).message}\n\n${HELP}`);
  process.exit(2);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const tasks = values.tasks === undefined ? 5 : Number(values.tasks);
if (!Number.isInteger(tasks) || tasks < 1) {
  console.error(`test-framework: --tasks must be a positive integer, got ${JSON.stringify(values.tasks)}`);
  process.exit(2);
}

let credential: Credential | undefined;
try {
  const principal = values.principal ?? process.env.MESOS_PRINCIPAL;
  const secret = values.secret ?? process.env.MESOS_SECRET;
  if (values.credential !== undefined) credential = readCredentialFile(values.credential);
  else if (principal !== undefined || secret !== undefined) {
    if (!principal || !secret) throw new Error('--principal and --secret go together (or MESOS_PRINCIPAL and MESOS_SECRET)');
    credential = { principal, secret };
  }
} catch (e) {
  console.error(`test-framework: ${(e as Error).message}`);
  process.exit(2);
}

try {
  const result = await runTestFramework({
    ...(credential !== undefined ? { credential } : {}),
    master: values.master ?? process.env.MESOS_MASTER ?? '127.0.0.1:5050',
    tasks,
    ...(values.command !== undefined ? { command: values.command } : {}),
    ...(values.resources !== undefined ? { resources: values.resources } : {}),
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values.role !== undefined ? { role: values.role } : {}),
    ...(values['framework-id-file'] !== undefined ? { frameworkIdFile: values['framework-id-file'] } : {}),
  });
  await stopDefaultRuntime();
  process.exit(result.exitCode);
} catch (e) {
  console.error(`test-framework: ${(e as Error).message}`);
  await stopDefaultRuntime();
  process.exit(2);
}
