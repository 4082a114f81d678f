#!/usr/bin/env node
/**
 * `mesos-ts`: one command to run masters and agents, start a local cluster,
 * run a command as a task, and look at a cluster. One file per subcommand
 * under commands/.
 */
import { Command } from 'commander';
import { completionCommand } from './commands/completion.js';
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

/**
 * Every command, in the order `--help` lists them: the names each module defines, and its loader.
 * A command's module is loaded only when it runs (the master's, the agent's and the experiments'
 * code cost ~0.4 s of start-up to every command otherwise); help, completion and a name that is
 * not here load them all.
 */
const COMMANDS: readonly [readonly string[], () => Promise<Command[]>][] = [
  [['master'], async () => [(await import('./commands/master.js')).masterCommand()]],
  [['agent'], async () => [(await import('./commands/agent.js')).agentCommand()]],
  [['local'], async () => [(await import('./commands/local.js')).localCommand()]],
  [['execute'], async () => [(await import('./commands/execute.js')).executeCommand()]],
  [['mpiexec'], async () => [(await import('./commands/mpiexec.js')).mpiexecCommand()]],
  [['simulated-agents'], async () => [(await import('./commands/simulated.js')).simulatedAgentsCommand()]],
  [['experiment'], async () => [(await import('./commands/experiment.js')).experimentCommand()]],
  [['state', 'tasks', 'frameworks'], async () => (await import('./commands/query.js')).queryCommands()],
  [['cat', 'tail'], async () => (await import('./commands/sandbox.js')).sandboxCommands()],
  [['agents'], async () => [(await import('./commands/agents.js')).agentsCommand()]],
  [['maintenance'], async () => [(await import('./commands/maintenance.js')).maintenanceCommand()]],
  [['ls'], async () => [(await import('./commands/ls.js')).lsCommand()]],
  [['task'], async () => [(await import('./commands/task.js')).taskCommand()]],
  [['framework'], async () => [(await import('./commands/framework.js')).frameworkCommand()]],
  [['quota'], async () => [(await import('./commands/quota.js')).quotaCommand()]],
  [['weights'], async () => [(await import('./commands/weights.js')).weightsCommand()]],
  [['logging'], async () => [(await import('./commands/logging.js')).loggingCommand()]],
];

const asked = process.argv[2];
const one = COMMANDS.find(([names]) => asked !== undefined && names.includes(asked));
for (const [, load] of one !== undefined ? [one] : COMMANDS) for (const c of await load()) program.addCommand(c);
if (one === undefined) {
  // Last: it completes every command registered above.
  program.addCommand(completionCommand(program));
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`mesos-ts: ${(err as Error).message}\n`);
  process.exit(1);
}
