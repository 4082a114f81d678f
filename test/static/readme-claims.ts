// What a README claims exists, read from its code (inline `code` and fenced blocks, where commands,
// flags and routes are written): `make` targets, `mesos-ts` commands and their flags, and the HTTP
// routes of a master or an agent. Pure: text in, claims out; test/static/docs.ts checks them.

export type Claim =
  | { readonly kind: 'make'; readonly file: string; readonly line: number; readonly name: string }
  | { readonly kind: 'command'; readonly file: string; readonly line: number; readonly name: string }
  | { readonly kind: 'flag'; readonly file: string; readonly line: number; readonly command: string; readonly name: string }
  | { readonly kind: 'route'; readonly file: string; readonly line: number; readonly server: 'master' | 'agent'; readonly name: string };

/** The first path segments of the routes masters and agents serve (other paths are files, URLs of examples...). */
const ROUTE_ROOTS = ['master', 'slave(1)', 'files', 'monitor', 'metrics', 'api', 'version', 'health', 'flags', 'state', 'state-summary', 'frameworks', 'slaves', 'tasks', 'roles'];
const GENERIC_FLAGS = new Set(['--help', '--version']);

/** The code of one line: the inline code spans, or the whole line inside a fenced block. */
function codeOf(line: string, fenced: boolean): string[] {
  if (fenced) return [line];
  return [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

/** A path as written in prose: without the punctuation after it (`/state,`), keeping `(1)` of `/slave(1)`. */
function trimProse(token: string): string {
  let t = token.replace(/[.,;:]+$/, '');
  while (t.endsWith(')') && (t.match(/\(/g) ?? []).length < (t.match(/\)/g) ?? []).length) t = t.slice(0, -1).replace(/[.,;:]+$/, '');
  return t;
}

/** `/files/{browse,read}` and `/files/browse|read|download` → each route; none for placeholders (`<path>`, `*`). */
export function expandRoute(token: string): string[] {
  const path = token.replace(/[?#].*$/, '');
  if (/[<>*]|\.\.\./.test(path)) return [];
  const brace = /\{([^}]+)\}/.exec(path);
  if (brace) return brace[1]!.split(',').flatMap((alt) => expandRoute(path.replace(brace[0], alt.trim())));
  const bar = /\/([^/]*\|[^/]*)$/.exec(path);
  if (bar) return bar[1]!.split('|').map((alt) => path.slice(0, bar.index + 1) + alt);
  return [path];
}

function serverOf(route: string, contextServer: 'master' | 'agent' | undefined): 'master' | 'agent' | undefined {
  if (route.startsWith('/master/') || route === '/api/v1/scheduler') return 'master';
  if (/^\/(slave\(1\)|files|monitor)\//.test(route) || route === '/api/v1/executor') return 'agent';
  return contextServer;
}

/** Every claim of one README; `file` is its path from the repository root (it gives agent/ and master/ READMEs their server). */
export function readmeClaims(file: string, text: string): Claim[] {
  const claims: Claim[] = [];
  const fileServer = file.startsWith('agent/') ? 'agent' : file.startsWith('master/') ? 'master' : undefined;
  let sectionServer: 'master' | 'agent' | undefined;
  let fenced = false;
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (/^\s*```/.test(raw)) {
      fenced = !fenced;
      return;
    }
    // The top README lists routes under "Every master serves" / "Every agent serves".
    const section = /^Every (master|agent) serves/.exec(raw);
    if (section) sectionServer = section[1] as 'master' | 'agent';
    else if (/^#/.test(raw)) sectionServer = undefined;
    const contextServer = fileServer ?? sectionServer;
    let command: string | undefined;
    for (const code of codeOf(raw, fenced)) {
      for (const m of code.matchAll(/(?:^|[\s;&|(])make\s+([a-z][a-z0-9-]*)(?![\w<-])/g)) claims.push({ kind: 'make', file, line, name: m[1]! });
      // Tokens in order, so that a flag belongs to the command named before it on the line.
      for (const m of code.matchAll(/\bmesos-ts\s+([a-z][a-z-]*)|(?<![\w-])(--[a-z][a-z0-9_-]*)|(?<![\w.~#:/>-])(\/[A-Za-z_(][\w()./{},|*<>?=[\]-]*)/g)) {
        if (m[1] !== undefined) {
          command = m[1];
          claims.push({ kind: 'command', file, line, name: command });
        } else if (m[2] !== undefined) {
          if (command !== undefined && !GENERIC_FLAGS.has(m[2])) claims.push({ kind: 'flag', file, line, command, name: m[2] });
        } else if (m[3] !== undefined) {
          const token = trimProse(m[3]);
          if (!ROUTE_ROOTS.includes(token.slice(1).split(/[/?{|]/)[0]!)) continue;
          for (const route of expandRoute(token)) {
            const server = serverOf(route, contextServer);
            if (server !== undefined) claims.push({ kind: 'route', file, line, server, name: route });
          }
        }
      }
    }
  });
  return claims;
}
