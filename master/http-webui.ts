/**
 * Serves the web UI (master/webui/): `/` and `/master/webui` answer the page,
 * `/master/webui/<file>` its stylesheet and scripts. The HTML and CSS live in
 * master/webui/; the scripts are compiled from master/webui/src/ by
 * `npx tsc -b` into dist/master/webui/js/. Both are found whether this module
 * runs compiled (dist/master/) or from source (jest).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpRequest, HttpResponse } from 'libprocess-ts';
import type { MasterView } from './view.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

export interface WebUiFiles {
  /** Path under the UI's base (`index.html`, `style.css`, `js/main.js`) → contents. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** Why the UI cannot be served, when it cannot (naming the missing path). */
  readonly problem?: string;
}

/** Finds the page and its scripts next to this module (dist or source tree) and reads them. */
export function loadWebUi(here = dirname(fileURLToPath(import.meta.url))): WebUiFiles {
  const pages = [join(here, 'webui'), join(here, '..', '..', 'master', 'webui')].find((d) => existsSync(join(d, 'index.html')));
  const scripts = [join(here, 'webui', 'js'), join(here, '..', 'dist', 'master', 'webui', 'js')].find((d) => existsSync(join(d, 'main.js')));
  const files = new Map<string, Buffer>();
  if (pages === undefined) return { files, problem: `the web UI's index.html is not in ${join(here, 'webui')} nor in ${join(here, '..', '..', 'master', 'webui')}` };
  if (scripts === undefined) return { files, problem: `the web UI's scripts are not built (no main.js in ${join(here, 'webui', 'js')} nor ${join(here, '..', 'dist', 'master', 'webui', 'js')}): run \`make build\`` };
  for (const name of readdirSync(pages)) if (TYPES[extname(name)] !== undefined && extname(name) !== '.js') files.set(name, readFileSync(join(pages, name)));
  for (const name of readdirSync(scripts, { recursive: true, encoding: 'utf8' })) if (extname(name) === '.js') files.set(`js/${name.split(sep).join('/')}`, readFileSync(join(scripts, name)));
  return { files };
}

let cached: WebUiFiles | undefined;

/** Installs the UI's routes; call from the master's `initialize`. */
export function installWebUi(master: MasterView, ui: WebUiFiles = (cached ??= loadWebUi())): void {
  const id = master.pid.id;
  const base = `/${id}/webui/`;
  if (ui.problem !== undefined) master.runtime.logger.warn(`web UI not served: ${ui.problem}`);
  const page = (): HttpResponse => {
    const html = ui.files.get('index.html');
    if (html === undefined) return { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `The web UI is not available: ${ui.problem ?? 'no index.html'}\n` };
    return { status: 200, headers: { 'content-type': TYPES['.html']!, 'cache-control': 'no-cache' }, body: html.toString('utf8').replaceAll('{{BASE}}', base) };
  };
  master.route('/webui', page);
  master.runtime.http.alias('/', `/${id}/webui`);
  for (const [name, body] of ui.files) {
    if (name === 'index.html') continue;
    master.route(`/webui/${name}`, (_req: HttpRequest): HttpResponse => ({ status: 200, headers: { 'content-type': TYPES[extname(name)]!, 'cache-control': 'no-cache' }, body }));
  }
}
