/** `mesos-ts weights get|set`: the roles' weights through the leading master's v1 operator API (GET_WEIGHTS, UPDATE_WEIGHTS). */
import { Command } from 'commander';
import { roleError } from '../../protocol/roles.js';
import { withClusterOptions, type ClusterOptions } from '../cluster-options.js';
import { leaderOf, operatorCall } from '../operator-call.js';
import { say } from '../process-util.js';
import { table } from '../table.js';

/** `eng=2 ads=0.5` (or `eng=2,ads=0.5`) as weight infos, or an error naming the part that is wrong. */
export function parseWeightArgs(args: readonly string[]): { role: string; weight: number }[] {
  const parts = args.flatMap((a) => a.split(',')).map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new Error('weights set: give ROLE=WEIGHT, e.g. eng=2');
  return parts.map((part) => {
    const m = /^([^=]+)=(.*)$/.exec(part);
    const weight = m === null ? NaN : Number(m[2]);
    if (m === null || m[2]!.trim() === '' || !Number.isFinite(weight) || weight <= 0) throw new Error(`weights set: '${part}' is not ROLE=WEIGHT with a weight above 0 (e.g. eng=2)`);
    const problem = roleError(m[1]!);
    if (problem !== undefined) throw new Error(`weights set: role '${m[1]}': ${problem}`);
    return { role: m[1]!, weight };
  });
}

export function weightsCommand(): Command {
  const get = withClusterOptions(new Command('get'))
    .description("print the roles' weights (roles not listed weigh 1)")
    .option('--json', 'print the weight infos as JSON')
    .addHelpText('after', '\nExample:\n  $ mesos-ts weights get')
    .action(async (o: ClusterOptions & { json?: boolean }) => {
      const answer = await operatorCall<{ get_weights?: { weight_infos?: { role: string; weight: number }[] } }>(await leaderOf(o), { type: 'GET_WEIGHTS' });
      const infos = answer?.get_weights?.weight_infos ?? [];
      if (o.json) return say(JSON.stringify(infos, null, 2));
      say(table(infos, ['role', 'weight']));
    });
  const set = withClusterOptions(new Command('set'))
    .description('set the weight of one or more roles (a role with weight 2 gets twice the share of one with weight 1)')
    .argument('<role=weight...>', 'each role and its weight')
    .addHelpText('after', '\nExample:\n  $ mesos-ts weights set eng=2 ads=0.5')
    .action(async (args: string[], o: ClusterOptions) => {
      const weightInfos = parseWeightArgs(args);
      await operatorCall(await leaderOf(o), { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: weightInfos } });
      say(`weights set: ${weightInfos.map((w) => `${w.role}=${w.weight}`).join(' ')}`);
    });
  return new Command('weights').description("the roles' weights: get, set").addCommand(get).addCommand(set);
}
