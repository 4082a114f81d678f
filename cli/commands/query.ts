import { Command, Option } from 'commander';
import { authFetch, credentialOptions, useCredential } from '../credentials.js';
import { findLeader, mdnsNameOption, parseMdnsName } from '../discovery.js';
import { say } from '../process-util.js';
import { table } from '../table.js';

type State = {
  frameworks: Framework[];
  completed_frameworks: Framework[];
  slaves: { id: string; hostname: string; pid: string; active: boolean; resources: Record<string, unknown>; used_resources: Record<string, unknown>; task_count?: number }[];
};
type Framework = { id: string; name: string; user: string; roles: string[]; active: boolean; connected: boolean; tasks: Task[]; completed_tasks: Task[]; unreachable_tasks?: Task[] };
type Task = { id: string; name: string; framework_id: string; slave_id: string; state: string; resources: Record<string, unknown> };

export async function fetchState(master: string | undefined, mdnsName?: string): Promise<{ leader: string; state: State }> {
  const leader = await findLeader(master, 5000, parseMdnsName(mdnsName));
  const res = await authFetch(`http://${leader}/master/state`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`http://${leader}/master/state answered HTTP ${res.status}`);
  return { leader, state: (await res.json()) as State };
}

const masterOption = (): Option => new Option('--master <host:port,...|mdns>', 'where the masters are (default: found over mDNS)').env('MESOS_MASTER');

export function queryCommands(): Command[] {
  const state = new Command('state')
    .description("print the leading master's state as JSON")
    .addOption(masterOption())
    .addOption(mdnsNameOption())
    .addOption(credentialOptions()[0]!)
    .addOption(credentialOptions()[1]!)
    .action(async (o: { principal?: string; secret?: string; master?: string; mdns_name?: string }) => {
      useCredential(o);
      const { state: s } = await fetchState(o.master, o.mdns_name);
      say(JSON.stringify(s, null, 2));
    });

  const tasks = new Command('tasks')
    .description('list tasks (active and completed) with their states')
    .addOption(masterOption())
    .addOption(mdnsNameOption())
    .option('--json', 'print JSON instead of a table')
    .option('--all', 'include completed tasks', false)
    .addHelpText('after', '\nExample:\n  $ mesos-ts tasks --master=127.0.0.1:5050 --all')
    .addOption(credentialOptions()[0]!)
    .addOption(credentialOptions()[1]!)
    .action(async (o: { principal?: string; secret?: string; master?: string; mdns_name?: string; json?: boolean; all?: boolean }) => {
      useCredential(o);
      const { state: s } = await fetchState(o.master, o.mdns_name);
      const frameworks = [...s.frameworks, ...(o.all ? s.completed_frameworks : [])];
      const list = frameworks.flatMap((f) => [...f.tasks, ...(f.unreachable_tasks ?? []), ...(o.all ? f.completed_tasks : [])]);
      if (o.json) return say(JSON.stringify(list, null, 2));
      say(table(list.map((t) => ({ id: t.id, name: t.name, state: t.state, framework: t.framework_id, agent: t.slave_id, cpus: t.resources['cpus'], mem: t.resources['mem'] })), ['id', 'name', 'state', 'framework', 'agent', 'cpus', 'mem']));
    });

  const frameworks = new Command('frameworks')
    .description('list frameworks')
    .addOption(masterOption())
    .addOption(mdnsNameOption())
    .option('--json', 'print JSON instead of a table')
    .addOption(credentialOptions()[0]!)
    .addOption(credentialOptions()[1]!)
    .action(async (o: { principal?: string; secret?: string; master?: string; mdns_name?: string; json?: boolean }) => {
      useCredential(o);
      const { state: s } = await fetchState(o.master, o.mdns_name);
      if (o.json) return say(JSON.stringify(s.frameworks, null, 2));
      say(table(s.frameworks.map((f) => ({ id: f.id, name: f.name, user: f.user, roles: f.roles.join(','), active: f.active, connected: f.connected, tasks: f.tasks.length })), ['id', 'name', 'user', 'roles', 'active', 'connected', 'tasks']));
    });

  return [state, tasks, frameworks];
}
