/** `mesos-ts ls <task> [path]`: a directory of a task's sandbox (or one file's entry), through its agent's /files/browse. */
import { Command } from 'commander';
import { authFetch } from '../credentials.js';
import { withClusterOptions, type ClusterOptions } from '../cluster-options.js';
import { say } from '../process-util.js';
import { table } from '../table.js';
import { locateSandbox } from './sandbox.js';

type Entry = { path: string; mode: string; nlink: number; uid: string; gid: string; size: number; mtime: number };

export function lsCommand(): Command {
  return withClusterOptions(new Command('ls'))
    .description("list a directory of a task's sandbox (default: the sandbox itself)")
    .argument('<task>', 'task id')
    .argument('[path]', 'a directory or file in the sandbox', '.')
    .option('--json', 'print the agent\'s /files/browse entries as JSON')
    .addHelpText('after', '\nExamples:\n  $ mesos-ts ls hello\n  $ mesos-ts ls hello logs --master=127.0.0.1:5050')
    .action(async (taskId: string, path: string, o: ClusterOptions & { json?: boolean }) => {
      if (path.split('/').includes('..')) throw new Error(`${path}: '..' leaves the sandbox`);
      const { agent, directory } = await locateSandbox(o.master, taskId, o.mdns_name);
      const clean = path.replace(/^\.?\/*/, '').replace(/\/+$/, '');
      const full = clean === '' || clean === '.' ? directory : `${directory}/${clean}`;
      const res = await authFetch(`${agent}/files/browse?path=${encodeURIComponent(full)}`, { signal: AbortSignal.timeout(10_000) });
      if (res.status === 404) throw new Error(`${clean || '.'}: no such file or directory in the sandbox of task ${taskId}`);
      if (!res.ok) throw new Error(`${agent}/files/browse answered HTTP ${res.status}: ${(await res.text()).trim()}`);
      const entries = ((await res.json()) as Entry[]).sort((a, b) => (a.path < b.path ? -1 : 1));
      if (o.json) return say(JSON.stringify(entries, null, 2));
      const name = (p: string): string => (p.startsWith(`${directory}/`) ? p.slice(directory.length + 1) : p);
      say(table(entries.map((e) => ({ mode: e.mode, nlink: e.nlink, uid: e.uid, gid: e.gid, size: e.size, mtime: new Date(e.mtime * 1000).toISOString().replace(/\.000Z$/, 'Z'), name: name(e.path) })), ['mode', 'nlink', 'uid', 'gid', 'size', 'mtime', 'name']));
    });
}
