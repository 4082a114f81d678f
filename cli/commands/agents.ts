/**
 * `mesos-ts agents`: the agents (a table, or --json) with their state
 * (active, deactivated, DRAINING, DRAINED) and their machine's maintenance;
 * `agents drain|deactivate|reactivate <agent>` (DRAIN_AGENT,
 * DEACTIVATE_AGENT, REACTIVATE_AGENT). An agent is named by its id, its
 * hostname or its IP.
 */
import { Command, Option } from 'commander';
import { credentialOptions, useCredential } from '../credentials.js';
import { mdnsNameOption } from '../discovery.js';
import { parseDuration } from '../durations.js';
import { operatorCall, type Where } from '../operator-call.js';
import { say } from '../process-util.js';
import { table } from '../table.js';
import { fetchState } from './query.js';

interface Slave {
  id: string;
  hostname: string;
  pid: string;
  active: boolean;
  deactivated?: boolean;
  connected?: boolean;
  drain_info?: { state: string; config?: { max_grace_period?: { nanoseconds: number }; mark_gone?: boolean } };
  maintenance?: { mode: string; unavailability?: { start?: { nanoseconds: number } } };
  resources: Record<string, unknown>;
  used_resources: Record<string, unknown>;
  task_count?: number;
}

type Options = Where & { principal?: string; secret?: string; json?: boolean };

const masterOption = (): Option => new Option('--master <host:port,...|mdns>', 'where the masters are (default: found over mDNS)').env('MESOS_MASTER');

function withCommon(c: Command): Command {
  return c.addOption(masterOption()).addOption(mdnsNameOption()).addOption(credentialOptions()[0]!).addOption(credentialOptions()[1]!);
}

const ipOf = (pid: string): string => pid.slice(pid.indexOf('@') + 1, pid.lastIndexOf(':'));

/** What an operator sees of an agent's state in one word. */
export function agentState(a: Slave): string {
  if (a.drain_info !== undefined) return a.drain_info.state;
  if (a.deactivated === true) return 'DEACTIVATED';
  if (a.connected === false) return 'DISCONNECTED';
  return a.active ? 'ACTIVE' : 'INACTIVE';
}

/** The agent `name` means: its id, else its hostname or IP when exactly one agent has it. */
export function findAgent(slaves: readonly Slave[], name: string): Slave {
  const byId = slaves.find((a) => a.id === name);
  if (byId !== undefined) return byId;
  const matches = slaves.filter((a) => a.hostname.toLowerCase() === name.toLowerCase() || ipOf(a.pid) === name);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new Error(`'${name}' names ${matches.length} agents (${matches.map((a) => a.id).join(', ')}): give an agent id`);
  throw new Error(`no agent '${name}' (by id, hostname or IP) is registered; mesos-ts agents lists them`);
}

async function resolveAgent(o: Options, name: string): Promise<{ leader: string; agent: Slave }> {
  useCredential(o);
  const { leader, state } = await fetchState(o.master, o.mdns_name);
  return { leader, agent: findAgent(state.slaves as Slave[], name) };
}

export function agentsCommand(): Command {
  const list = withCommon(new Command('agents'))
    .description('list agents with their resources and state; drain, deactivate or reactivate one')
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', `
States: ACTIVE, DEACTIVATED (no offers; tasks run on), DRAINING (its tasks being killed), DRAINED,
DISCONNECTED; MAINTENANCE is its machine's mode when it is in the maintenance schedule.

Examples:
  $ mesos-ts agents
  $ mesos-ts agents --json
  $ mesos-ts agents drain agent2.local --grace=10secs
  $ mesos-ts agents drain agent3.local --grace=0secs --mark_gone
  $ mesos-ts agents deactivate 127.0.0.3
  $ mesos-ts agents reactivate <agent id>`)
    .action(async (o: Options) => {
      useCredential(o);
      const { state } = await fetchState(o.master, o.mdns_name);
      const slaves = state.slaves as Slave[];
      if (o.json) return say(JSON.stringify(slaves, null, 2));
      say(
        table(
          slaves.map((a) => ({
            id: a.id,
            hostname: a.hostname,
            ip: ipOf(a.pid),
            state: agentState(a),
            maintenance: a.maintenance?.mode ?? '',
            cpus: `${a.used_resources['cpus']}/${a.resources['cpus']}`,
            mem: `${a.used_resources['mem']}/${a.resources['mem']}`,
            tasks: a.task_count,
          })),
          ['id', 'hostname', 'ip', 'state', 'maintenance', 'cpus', 'mem', 'tasks'],
        ),
      );
    });

  list.addCommand(
    withCommon(new Command('drain'))
      .description('DRAIN_AGENT: no more offers of the agent; its tasks are killed, their kill policies honoured up to --grace; DRAINED once none runs')
      .argument('<agent>', 'agent id, hostname or IP')
      .option('--grace <duration>', 'max_grace_period: the longest grace period a task gets (e.g. 10secs, 0secs); default: each task its own kill policy')
      .option('--mark_gone', 'once drained, the agent is marked gone (removed for good)', false)
      .addHelpText('after', '\nExamples:\n  $ mesos-ts agents drain agent2.local --grace=30secs\n  $ mesos-ts agents drain 127.0.0.4 --grace=0secs --mark_gone')
      .action(async (name: string, _o: unknown, cmd: Command) => {
        // --master and the credential may be parsed by `agents` itself (the same options): both count.
        const o = cmd.optsWithGlobals<Options & { grace?: string; mark_gone?: boolean }>();
        const graceMs = o.grace === undefined ? undefined : parseDuration('grace', o.grace);
        const { leader, agent } = await resolveAgent(o, name);
        await operatorCall(leader, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agent.id }, ...(graceMs !== undefined ? { max_grace_period: { seconds: Math.floor(graceMs / 1000), nanos: Math.round((graceMs % 1000) * 1e6) } } : {}), mark_gone: o.mark_gone === true } });
        say(`agent ${agent.id} (${agent.hostname}) is draining${graceMs !== undefined ? `; its tasks get at most ${o.grace} to end` : ''}${o.mark_gone ? '; it is marked gone once drained' : ''}`);
      }),
  );
  for (const [verb, type, done] of [
    ['deactivate', 'DEACTIVATE_AGENT', 'is deactivated: no offers of it; its tasks run on'],
    ['reactivate', 'REACTIVATE_AGENT', 'is active again: its resources are offered'],
  ] as const) {
    list.addCommand(
      withCommon(new Command(verb))
        .description(`${type}: ${verb === 'deactivate' ? 'no more offers of the agent; its tasks keep running' : 'a deactivated, draining or drained agent is offered again'}`)
        .argument('<agent>', 'agent id, hostname or IP')
        .addHelpText('after', `\nExample:\n  $ mesos-ts agents ${verb} agent2.local`)
        .action(async (name: string, _o: unknown, cmd: Command) => {
          const { leader, agent } = await resolveAgent(cmd.optsWithGlobals<Options>(), name);
          await operatorCall(leader, { type, [type.toLowerCase()]: { agent_id: { value: agent.id } } });
          say(`agent ${agent.id} (${agent.hostname}) ${done}`);
        }),
    );
  }
  return list;
}
