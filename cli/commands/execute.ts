import { Command, Option } from 'commander';
import { SchedulerDriver, take, toResources } from '../../framework/scheduler/index.js';
import { isTerminal } from '../../protocol/task-states.js';
import type { TaskStatus } from '../../protocol/types.js';
import { masterAddresses, mdnsNameOption, parseMdnsName } from '../discovery.js';
import { commandCredential, credentialOptions } from '../credentials.js';
import { say } from '../process-util.js';

/** The exit status `mesos-ts execute` ends with for a task's last status. */
export function exitStatusOf(status: TaskStatus): number {
  if (status.state === 'TASK_FINISHED') return 0;
  const exited = /exited with status (\d+)/.exec(status.message ?? '');
  if (exited) return Number(exited[1]);
  if (/terminated with signal/.test(status.message ?? '') || status.state === 'TASK_KILLED') return 137;
  return 1;
}

/** `mesos-ts execute`: runs one command as a task (like mesos-execute) and exits with its exit status. */
export function executeCommand(): Command {
  return new Command('execute')
    .description('run a command as a task on the cluster, print its state changes, exit with its exit status')
    .addOption(new Option('--master <host:port,...|mdns>', 'where the masters are').default('mdns').env('MESOS_MASTER'))
    .addOption(mdnsNameOption())
    .requiredOption('--command <cmd>', 'the shell command to run')
    .option('--name <name>', 'task and framework name', 'mesos-ts-execute')
    .option('--resources <text>', 'what the task needs', 'cpus:0.1;mem:32')
    .option('--role <role>', 'the role to take resources from', '*')
    .option('--env <json>', 'environment as a JSON object, e.g. \'{"A":"1"}\'')
    .addOption(credentialOptions()[0]!)
    .addOption(credentialOptions()[1]!)
    .addHelpText('after', `
Examples:
  $ mesos-ts execute --master=127.0.0.1:5050 --name=hello --command='echo hello; sleep 1'
  $ mesos-ts execute --command='exit 3'; echo $?        # prints 3`)
    .action(async (o: { master: string; mdns_name?: string; command: string; name: string; resources: string; role: string; env?: string; principal?: string; secret?: string }) => {
      const need = toResources(o.resources);
      let env: Record<string, string> = {};
      if (o.env !== undefined) {
        try {
          env = JSON.parse(o.env) as Record<string, string>;
        } catch (err) {
          throw new Error(`--env=${o.env}: not a JSON object (${(err as Error).message})`);
        }
      }
      const masters = await masterAddresses(o.master, 5000, 0, parseMdnsName(o.mdns_name));
      // The framework's principal: given, else the local cluster's operator (cluster.json).
      const credential = commandCredential(o, masters);
      let launched = false;
      let finished: (code: number) => void;
      const done = new Promise<number>((r) => (finished = r));
      const driver = await SchedulerDriver.start({
        master: masters,
        framework: { name: o.name, role: o.role, failover_timeout: 0, ...(credential !== undefined ? { principal: credential.principal } : {}) },
        ...(credential !== undefined ? { credential } : {}),
        scheduler: {
          registered: (_d, id) => say(`subscribed as framework ${id.value}`),
          resourceOffers: (d, offers) => {
            for (const offer of offers) {
              const resources = launched ? undefined : take(toResources(offer.resources), need);
              if (resources === undefined) {
                d.declineOffer(offer.id, { refuse_seconds: 60 });
                continue;
              }
              launched = true;
              d.launchTasks(offer.id, [{
                name: o.name,
                task_id: { value: o.name },
                agent_id: offer.agent_id,
                resources: resources.toJSON(),
                command: { shell: true, value: o.command, ...(Object.keys(env).length > 0 ? { environment: { variables: Object.entries(env).map(([name, value]) => ({ name, value: String(value) })) } } : {}) },
              }]);
              say(`launching task ${o.name} on agent ${offer.agent_id.value} (${offer.hostname})`);
            }
          },
          statusUpdate: (_d, status) => {
            say(`task ${status.task_id.value} is in state ${status.state}${status.message ? `: ${status.message.split('\n')[0]}` : ''}`);
            if (isTerminal(status.state)) finished(exitStatusOf(status));
          },
          error: (_d, message) => {
            process.stderr.write(`mesos-ts execute: ${message}\n`);
            finished(1);
          },
        },
      });
      const code = await done;
      await driver.stop(false);
      await driver.runtime.stop();
      process.exit(code);
    });
}
