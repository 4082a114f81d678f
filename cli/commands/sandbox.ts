import { Command, Option } from 'commander';
import { authFetch, credentialOptions, useCredential } from '../credentials.js';
import { realClock } from 'libprocess-ts';
import { mdnsNameOption } from '../discovery.js';
import { fetchState } from './query.js';

type AgentState = { frameworks?: AgentFramework[]; completed_frameworks?: AgentFramework[] };
type AgentFramework = { id: string; executors?: AgentExecutor[]; completed_executors?: AgentExecutor[] };
type AgentExecutor = { id: string; directory: string; type?: string; tasks?: { id: string }[]; completed_tasks?: { id: string }[]; queued_tasks?: { id: string }[] };

/** Where a task's sandbox is: the agent's HTTP base and the directory on it. */
export async function locateSandbox(master: string | undefined, taskId: string, mdnsName?: string): Promise<{ agent: string; directory: string }> {
  const { state } = await fetchState(master, mdnsName);
  const frameworks = [...state.frameworks, ...state.completed_frameworks];
  const task = frameworks.flatMap((f) => [...f.tasks, ...f.completed_tasks, ...(f.unreachable_tasks ?? [])]).find((t) => t.id === taskId);
  if (task === undefined) throw new Error(`no task ${taskId} is known to the master (see: mesos-ts tasks --all)`);
  const agent = state.slaves.find((s) => s.id === task.slave_id);
  if (agent === undefined) throw new Error(`task ${taskId} ran on agent ${task.slave_id}, which is no longer registered`);
  const base = `http://${agent.pid.slice(agent.pid.indexOf('@') + 1)}`;
  const res = await authFetch(`${base}/state`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${base}/state answered HTTP ${res.status}`);
  const agentState = (await res.json()) as AgentState;
  for (const f of [...(agentState.frameworks ?? []), ...(agentState.completed_frameworks ?? [])]) {
    if (f.id !== task.framework_id) continue;
    for (const e of [...(f.executors ?? []), ...(f.completed_executors ?? [])]) {
      const ids = [...(e.tasks ?? []), ...(e.completed_tasks ?? []), ...(e.queued_tasks ?? [])].map((t) => t.id);
      // A task of a group (the default executor) has its own sandbox under the executor's.
      if (ids.includes(taskId)) return { agent: base, directory: e.type === 'DEFAULT' ? `${e.directory}/tasks/${taskId}` : e.directory };
    }
  }
  throw new Error(`agent ${task.slave_id} has no sandbox for task ${taskId} (it may have been garbage collected)`);
}

async function readChunk(agent: string, path: string, offset: number): Promise<{ data: string; offset: number }> {
  const url = `${agent}/files/read?path=${encodeURIComponent(path)}&offset=${offset}&length=65536`;
  const res = await authFetch(url, { signal: AbortSignal.timeout(10_000) });
  if (res.status === 404) throw new Error(`${path} does not exist in the sandbox`);
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}: ${(await res.text()).trim()}`);
  return (await res.json()) as { data: string; offset: number };
}

/** Writes the file from `offset` to its current end; returns the new offset. */
async function copy(agent: string, path: string, offset: number): Promise<number> {
  for (;;) {
    const { data } = await readChunk(agent, path, offset);
    if (data.length === 0) return offset;
    process.stdout.write(data);
    offset += Buffer.byteLength(data);
  }
}

const masterOption = (): Option => new Option('--master <host:port,...|mdns>', 'where the masters are (default: found over mDNS)').env('MESOS_MASTER');

export function sandboxCommands(): Command[] {
  const cat = new Command('cat')
    .description("print a file of a task's sandbox (default: stdout)")
    .argument('<task>', 'task id')
    .argument('[file]', 'file in the sandbox', 'stdout')
    .addOption(masterOption())
    .addOption(mdnsNameOption())
    .addHelpText('after', '\nExamples:\n  $ mesos-ts cat hello\n  $ mesos-ts cat hello stderr --master=127.0.0.1:5050')
    .addOption(credentialOptions()[0]!)
    .addOption(credentialOptions()[1]!)
    .action(async (taskId: string, file: string, o: { principal?: string; secret?: string; master?: string; mdns_name?: string }) => {
      useCredential(o);
      const { agent, directory } = await locateSandbox(o.master, taskId, o.mdns_name);
      await copy(agent, `${directory}/${file}`, 0);
    });
  const tail = new Command('tail')
    .description("print the end of a file of a task's sandbox; -f follows it as it grows")
    .argument('<task>', 'task id')
    .argument('[file]', 'file in the sandbox', 'stdout')
    .option('-f, --follow', 'keep printing what is appended (Ctrl-C stops)', false)
    .option('-n, --lines <n>', 'lines to print first', '10')
    .addOption(masterOption())
    .addOption(mdnsNameOption())
    .addOption(credentialOptions()[0]!)
    .addOption(credentialOptions()[1]!)
    .action(async (taskId: string, file: string, o: { principal?: string; secret?: string; master?: string; mdns_name?: string; follow: boolean; lines: string }) => {
      useCredential(o);
      const { agent, directory } = await locateSandbox(o.master, taskId, o.mdns_name);
      const path = `${directory}/${file}`;
      const size = (await (await authFetch(`${agent}/files/read?path=${encodeURIComponent(path)}`)).json()) as { offset: number };
      const start = Math.max(0, size.offset - 64 * 1024);
      const { data } = await readChunk(agent, path, start);
      const lines = Number(o.lines);
      const head = data.split('\n');
      const keep = head.slice(-(lines + (data.endsWith('\n') ? 1 : 0))).join('\n');
      process.stdout.write(keep);
      let offset = start + Buffer.byteLength(data);
      if (!o.follow) return;
      for (;;) {
        offset = await copy(agent, path, offset);
        await new Promise<void>((resolve) => realClock.timer(500, resolve));
      }
    });
  return [cat, tail];
}
