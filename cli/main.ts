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
import { executeCommand } from './commands/execute.js';
import { localCommand } from './commands/local.js';
import { masterCommand } from './commands/master.js';
import { queryCommands } from './commands/query.js';
import { sandboxCommands } from './commands/sandbox.js';
import { experimentCommand } from './commands/experiment.js';
import { simulatedAgentsCommand } from './commands/simulated.js';
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
  $ mesos-ts tasks --all`);

program.addCommand(masterCommand());
program.addCommand(agentCommand());
program.addCommand(localCommand());
program.addCommand(executeCommand());
program.addCommand(simulatedAgentsCommand());
program.addCommand(experimentCommand());
for (const c of queryCommands()) program.addCommand(c);
for (const c of sandboxCommands()) program.addCommand(c);
program.addCommand(agentsCommand());
program.addCommand(maintenanceCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`mesos-ts: ${(err as Error).message}\n`);
  process.exit(1);
}
