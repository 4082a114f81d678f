/** `mesos-ts framework teardown <id>`: TEARDOWN through the leading master's v1 operator API (its tasks are killed, the framework removed). */
import { Command } from 'commander';
import { withClusterOptions, type ClusterOptions } from '../cluster-options.js';
import { leaderOf, operatorCall, OperatorCallError } from '../operator-call.js';
import { say } from '../process-util.js';

export function frameworkCommand(): Command {
  const teardown = withClusterOptions(new Command('teardown'))
    .description('tear a framework down: the master kills its tasks and removes it')
    .argument('<id>', 'the framework id (see: mesos-ts frameworks)')
    .addHelpText('after', '\nExample:\n  $ mesos-ts framework teardown 3d4a5b6c-...-0001')
    .action(async (id: string, o: ClusterOptions) => {
      try {
        await operatorCall(await leaderOf(o), { type: 'TEARDOWN', teardown: { framework_id: { value: id } } });
      } catch (err) {
        if (err instanceof OperatorCallError && err.status === 400 && /No framework found/.test(err.body)) throw new Error(`no framework ${id} is subscribed to the master (see: mesos-ts frameworks)`);
        throw err;
      }
      say(`framework ${id} torn down`);
    });
  return new Command('framework').description('act on one framework: teardown').addCommand(teardown);
}
