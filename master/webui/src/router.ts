/** Hash routes (`#/agents/<id>?x=y`): every page has its own URL, links and the back button work. */
export interface Route {
  readonly name: 'dashboard' | 'frameworks' | 'framework' | 'agents' | 'agent' | 'task' | 'roles' | 'unknown';
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  /** The hash without its query: the same page with another query is another view. */
  readonly key: string;
}

const PATTERNS: [RegExp, Route['name']][] = [
  [/^\/?$/, 'dashboard'],
  [/^\/frameworks\/?$/, 'frameworks'],
  [/^\/frameworks\/([^/]+)\/?$/, 'framework'],
  [/^\/agents\/?$/, 'agents'],
  [/^\/agents\/([^/]+)\/?$/, 'agent'],
  [/^\/tasks\/([^/]+)\/([^/]+)\/?$/, 'task'],
  [/^\/roles\/?$/, 'roles'],
];

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const q = text.indexOf('?');
  const path = q < 0 ? text : text.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : text.slice(q + 1));
  for (const [re, name] of PATTERNS) {
    const m = re.exec(path);
    if (m) {
      try {
        return { name, params: m.slice(1).map((p) => decodeURIComponent(p)), query, key: text };
      } catch {
        break;
      }
    }
  }
  return { name: 'unknown', params: [path], query, key: text };
}
