/**
 * `mesos-ts logging level [level]`: the logging level of the leading master
 * (or of an agent, --agent) through the v1 operator API, as Mesos's
 * GET_LOGGING_LEVEL and SET_LOGGING_LEVEL: a level is a glog verbosity (0, 1,
 * 2...), and a level set lasts --duration, after which the process goes back
 * to its own.
 */
import { Command, Option } from 'commander';
import { parseDuration } from '../durations.js';
import { withClusterOptions, type ClusterOptions } from '../cluster-options.js';
import { leaderOf, operatorCall } from '../operator-call.js';
import { say } from '../process-util.js';

export function loggingCommand(): Command {
  const level = withClusterOptions(new Command('level'))
    .description('print the logging level (a verbosity: 0, 1, 2...), or set it for a while')
    .argument('[level]', 'the level to set (a whole number of 0 or more); without it, the level is printed')
    .addOption(new Option('--duration <duration>', 'how long a level set lasts (required with a level), e.g. 10mins'))
    .addOption(new Option('--agent <host:port>', 'an agent instead of the leading master'))
    .addHelpText('after', '\nExamples:\n  $ mesos-ts logging level\n  $ mesos-ts logging level 2 --duration=10mins\n  $ mesos-ts logging level --agent=127.0.0.1:5051')
    .action(async (wanted: string | undefined, o: ClusterOptions & { duration?: string; agent?: string }) => {
      if (wanted !== undefined && !/^\d+$/.test(wanted)) throw new Error(`logging level ${wanted}: expected a whole number of 0 or more`);
      if (wanted !== undefined && o.duration === undefined) throw new Error('logging level: setting a level needs --duration (how long it lasts, e.g. --duration=10mins)');
      if (wanted === undefined && o.duration !== undefined) throw new Error('logging level: --duration goes with a level to set');
      if (o.agent !== undefined && !/^[^:/]+:\d+$/.test(o.agent)) throw new Error(`--agent=${o.agent}: expected HOST:PORT`);
      let address: string;
      if (o.agent !== undefined) {
          address = o.agent;
      } else {
        address = await leaderOf(o);
      }
      if (wanted === undefined) {
        const answer = await operatorCall<{ get_logging_level?: { level?: number } }>(address, { type: 'GET_LOGGING_LEVEL' });
        return say(`logging level of ${address}: ${answer?.get_logging_level?.level ?? 0}`);
      }
      const ms = parseDuration('duration', o.duration!);
      await operatorCall(address, { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: Number(wanted), duration: { nanoseconds: Math.round(ms * 1e6) } } });
      say(`logging level of ${address}: ${wanted} for ${o.duration}`);
    });
  return new Command('logging').description('the logging level of a master or agent').addCommand(level);
}
