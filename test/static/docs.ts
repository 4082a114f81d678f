// The docs check of `make test` (`make docs-check`): what the READMEs name must exist.
//   - `make <target>`: a target of the Makefile;
//   - `mesos-ts <command>`: a command of the built CLI (`--help`), and every `--flag` on the same
//     line after it: a flag that command's `--help` shows;
//   - an HTTP route of a master or an agent (`/master/state`, `/slave(1)/state`, `/files/read`...):
//     answered by a real master or agent (any status but 404), started here by `mesos-ts local`.
// Run from the repository root after `make build`: node --import ./test/ts-loader.mjs test/static/docs.ts
// Every claim that fails is printed as README:line: what is wrong; the exit status is 1 if any.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocal } from '../cluster.js';
import { readmeClaims, type Claim } from './readme-claims.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist/cli/main.js');

function readmes(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...readmes(p));
    else if (e.name === 'README.md') out.push(p);
  }
  return out.sort();
}

function makeTargets(): Set<string> {
  const makefile = readFileSync(join(root, 'Makefile'), 'utf8');
  return new Set([...makefile.matchAll(/^([A-Za-z0-9_.-]+)\s*:(?!=)/gm)].map((m) => m[1]!));
}

/** The help of every subcommand below `path` (whose own help is `text`), two levels down. */
function subcommandHelp(path: readonly string[], text: string): string {
  const subcommands = [...(text.split(/^Commands:$/m)[1] ?? '').matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
  let out = '';
  for (const sub of subcommands) {
    const own = execFileSync(process.execPath, [cli, ...path, sub, '--help'], { encoding: 'utf8' });
    out += own + (path.length < 2 ? subcommandHelp([...path, sub], own) : '');
  }
  return out;
}

const helpCache = new Map<string, string>();
function help(command: string | undefined): string {
  const key = command ?? '';
  let text = helpCache.get(key);
  if (text === undefined) {
    text = execFileSync(process.execPath, [cli, ...(command === undefined ? [] : [command]), '--help'], { encoding: 'utf8' });
    // A command with subcommands (`quota get|set|remove`, `local fault partition`): its flags are theirs, so their help counts too.
    if (command !== undefined) text += subcommandHelp([command], text);
    helpCache.set(key, text);
  }
  return text;
}

function commands(): Set<string> {
  const section = help(undefined).split(/^Commands:$/m)[1] ?? '';
  return new Set([...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!));
}

async function routeStatus(url: string): Promise<number> {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
  await res.body?.cancel();
  return res.status;
}

const files = readmes(root);
const claims: Claim[] = files.flatMap((f) => readmeClaims(relative(root, f), readFileSync(f, 'utf8')));
const problems: string[] = [];
const targets = makeTargets();
const known = commands();
for (const c of claims) {
  const at = `${c.file}:${c.line}`;
  if (c.kind === 'make' && !targets.has(c.name)) problems.push(`${at}: \`make ${c.name}\` is not a target of the Makefile`);
  if (c.kind === 'command' && !known.has(c.name)) problems.push(`${at}: \`mesos-ts ${c.name}\` is not a command of mesos-ts (see mesos-ts --help)`);
  if (c.kind === 'flag' && known.has(c.command) && !new RegExp(`(^|[\\s,])${c.name.replace(/[-]/g, '\\-')}([\\s,=<[]|$)`, 'm').test(help(c.command))) {
    problems.push(`${at}: \`mesos-ts ${c.command} ${c.name}\`: mesos-ts ${c.command} --help shows no ${c.name}`);
  }
}

const routes = claims.filter((c) => c.kind === 'route');
if (routes.length > 0) {
  const cluster = await startLocal({ masters: 1, agents: 1 });
  try {
    for (const r of routes) {
      const base = r.server === 'master' ? cluster.leader : cluster.agents[0]!.url;
      const status = await routeStatus(`${base}${r.name}`);
      if (status === 404) problems.push(`${r.file}:${r.line}: ${r.server} route ${r.name} answers 404 on a running ${r.server}`);
    }
  } finally {
    await cluster.stop();
  }
}

const labels = { make: 'make targets', command: 'commands', flag: 'flags', route: 'routes' } as const;
const counts = (Object.keys(labels) as (keyof typeof labels)[]).map((k) => `${claims.filter((c) => c.kind === k).length} ${labels[k]}`).join(', ');
if (problems.length > 0) {
  process.stderr.write(`docs check: ${problems.length} README claim(s) false (of ${counts} in ${files.length} READMEs):\n${problems.map((p) => `  ${p}\n`).join('')}`);
  process.exit(1);
}
process.stdout.write(`docs check: ${counts} named in ${files.length} READMEs, all true\n`);
