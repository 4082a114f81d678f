#!/usr/bin/env node
/**
 * `mesos-ts`: one command to run masters and agents, start a local cluster,
 * run a command as a task, and look at a cluster. One file per subcommand
 * under commands/.
 */
import { Command } from 'commander';
import { agentCommand } from './commands/agent.js';
import { agentsCommand } from './commands/agents.js';
import { maintenanceCommand } from './commands/maintenance.js';
import { completionCommand } from './commands/completion.js';
import { executeCommand } from './commands/execute.js';
import { frameworkCommand } from './commands/framework.js';
import { localCommand } from './commands/local.js';
import { loggingCommand } from './commands/logging.js';
import { lsCommand } from './commands/ls.js';
import { masterCommand } from './commands/master.js';
import { mpiexecCommand } from './commands/mpiexec.js';
import { queryCommands } from './commands/query.js';
import { quotaCommand } from './commands/quota.js';
import { sandboxCommands } from './commands/sandbox.js';
import { experimentCommand } from './commands/experiment.js';
import { simulatedAgentsCommand } from './commands/simulated.js';
import { taskCommand } from './commands/task.js';
import { weightsCommand } from './commands/weights.js';
import { VERSION } from './version.js';

const program = new Command('mesos-ts')
  .description('A cluster manager in the shape of Apache Mesos: masters, agents, frameworks.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText('after', `
Examples:
  $ mesos-ts local                         # a local cluster: 3 masters, 3 agents
  $ mesos-ts master --port=5050
  $ mesos-ts agent --master=127.0.0.1:5050 --work_dir=/tmp/agent1
  $ mesos-ts execute --master=127.0.0.1:5050 --name=hello --command='echo hi'
  $ mesos-ts tasks --all
  $ mesos-ts task kill hello
  $ mesos-ts quota set eng --guarantee='cpus:2;mem:1024'
  $ source <(mesos-ts completion bash)`);

program.addCommand(masterCommand());
program.addCommand(agentCommand());
program.addCommand(localCommand());
program.addCommand(executeCommand());
program.addCommand(mpiexecCommand());
program.addCommand(simulatedAgentsCommand());
program.addCommand(experimentCommand());
for (const c of queryCommands()) program.addCommand(c);
for (const c of sandboxCommands()) program.addCommand(c);
program.addCommand(agentsCommand());
program.addCommand(maintenanceCommand());
program.addCommand(lsCommand());
program.addCommand(taskCommand());
program.addCommand(frameworkCommand());
program.addCommand(quotaCommand());
program.addCommand(weightsCommand());
program.addCommand(loggingCommand());
// Last: it completes every command registered above.
program.addCommand(completionCommand(program));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`mesos-ts: ${(err as Error).message}\n`);
  process.exit(1);
}
