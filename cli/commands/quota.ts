/**
 * `mesos-ts quota get|set|remove`: the roles' quota through the v1 operator
 * API of the leading master (GET_QUOTA, UPDATE_QUOTA; removing is an
 * UPDATE_QUOTA to no guarantees and no limits, Mesos's default quota).
 */
import { Command } from 'commander';
import { roleError } from '../../protocol/roles.js';
import { withClusterOptions, type ClusterOptions } from '../cluster-options.js';
import { leaderOf, operatorCall } from '../operator-call.js';
import { say } from '../process-util.js';
import { table } from '../table.js';

type Quantities = Record<string, { value: number }>;
type QuotaConfig = { role: string; guarantees?: Quantities; limits?: Quantities };

/** `cpus:2;mem:1024` as the API's map of scalars, or an error naming the flag and the part that is wrong. */
export function parseQuantities(flag: string, text: string): Quantities {
  const out: Quantities = {};
  for (const part of text.split(';').map((p) => p.trim()).filter((p) => p !== '')) {
    const m = /^([A-Za-z_][\w.-]*)\s*:\s*([0-9]+(?:\.[0-9]+)?)$/.exec(part);
    if (m === null) throw new Error(`${flag}=${text}: '${part}' is not NAME:NUMBER, a quantity of at least 0 (e.g. cpus:2;mem:1024)`);
    if (out[m[1]!] !== undefined) throw new Error(`${flag}=${text}: '${m[1]}' is given twice`);
    out[m[1]!] = { value: Number(m[2]) };
  }
  if (Object.keys(out).length === 0) throw new Error(`${flag}=${text}: no quantities (e.g. cpus:2;mem:1024)`);
  return out;
}

function checkRole(role: string): void {
  const problem = role === '*' ? "quota cannot be set for role '*'" : roleError(role);
  if (problem !== undefined) throw new Error(`role '${role}': ${problem}`);
}

const show = (q: Quantities | undefined): string => Object.entries(q ?? {}).map(([name, { value }]) => `${name}:${value}`).join(';') || '-';

export function quotaCommand(): Command {
  const get = withClusterOptions(new Command('get'))
    .description('print every role\'s quota (guarantees and limits), or one role\'s')
    .argument('[role]', 'only this role')
    .option('--json', 'print the GET_QUOTA answer\'s configs as JSON')
    .addHelpText('after', '\nExamples:\n  $ mesos-ts quota get\n  $ mesos-ts quota get eng --json')
    .action(async (role: string | undefined, o: ClusterOptions & { json?: boolean }) => {
      const answer = await operatorCall<{ get_quota?: { status?: { configs?: QuotaConfig[] } } }>(await leaderOf(o), { type: 'GET_QUOTA' });
      const configs = (answer?.get_quota?.status?.configs ?? []).filter((c) => role === undefined || c.role === role);
      if (o.json) return say(JSON.stringify(configs, null, 2));
      if (role !== undefined && configs.length === 0) return say(`role ${role} has no quota`);
      say(table(configs.map((c) => ({ role: c.role, guarantees: show(c.guarantees), limits: show(c.limits) })), ['role', 'guarantees', 'limits']));
    });
  const set = withClusterOptions(new Command('set'))
    .description("set a role's quota: what it is guaranteed and what it may use at most")
    .argument('<role>', 'the role')
    .option('--guarantee <quantities>', "what the role is guaranteed, e.g. 'cpus:2;mem:1024'")
    .option('--limit <quantities>', "the most the role may use, e.g. 'cpus:4;mem:4096'")
    .addHelpText('after', "\nExamples:\n  $ mesos-ts quota set eng --guarantee='cpus:2;mem:1024' --limit='cpus:4;mem:4096'\n  $ mesos-ts quota set batch --limit='cpus:8'")
    .action(async (role: string, o: ClusterOptions & { guarantee?: string; limit?: string }) => {
      checkRole(role);
      if (o.guarantee === undefined && o.limit === undefined) throw new Error('quota set: give --guarantee, --limit or both (mesos-ts quota remove clears a quota)');
      const config: QuotaConfig = { role };
      if (o.guarantee !== undefined) config.guarantees = parseQuantities('--guarantee', o.guarantee);
      if (o.limit !== undefined) config.limits = parseQuantities('--limit', o.limit);
      await operatorCall(await leaderOf(o), { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [config] } });
      say(`quota of ${role}: guarantees ${show(config.guarantees)}, limits ${show(config.limits)}`);
    });
  const remove = withClusterOptions(new Command('remove'))
    .description("remove a role's quota (no guarantees, no limits)")
    .argument('<role>', 'the role')
    .addHelpText('after', '\nExample:\n  $ mesos-ts quota remove eng')
    .action(async (role: string, o: ClusterOptions) => {
      checkRole(role);
      await operatorCall(await leaderOf(o), { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role, guarantees: {}, limits: {} }] } });
      say(`quota of ${role} removed`);
    });
  return new Command('quota').description("the roles' quota: get, set, remove").addCommand(get).addCommand(set).addCommand(remove);
}
