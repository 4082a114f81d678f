/** A small element builder and the formats every page shares. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];
type Attr = string | number | boolean | undefined | null | ((event: Event) => void);

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, Attr> | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c as readonly Child[]);
    else parent.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export const link = (href: string, ...children: Child[]): HTMLAnchorElement => h('a', { href }, ...children);

/** A table with a header row; `empty` is shown in one cell when there are no rows. */
export function table(headers: readonly string[], rows: readonly HTMLTableRowElement[], empty = 'None.', cls = ''): HTMLElement {
  const body = rows.length > 0 ? rows : [h('tr', null, h('td', { colspan: headers.length, class: 'empty' }, empty))];
  return h('div', { class: 'table-wrap' }, h('table', { class: cls }, h('thead', null, h('tr', null, headers.map((x) => h('th', null, x)))), h('tbody', null, body)));
}

export const section = (title: string, ...children: Child[]): HTMLElement => h('section', { class: 'card' }, h('h2', null, title), ...children);

/** Seconds since the epoch → `2026-12-01 13:45:07` (local time); 0 or undefined → '-'. */
export function time(seconds: number | undefined): string {
  if (!seconds) return '-';
  const d = new Date(seconds * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Megabytes → `512 MB`, `1.5 GB`. */
export function mb(value: number | undefined): string {
  const v = value ?? 0;
  if (v >= 1024 * 1024) return `${(v / 1024 / 1024).toFixed(1)} TB`;
  if (v >= 1024) return `${(v / 1024).toFixed(1)} GB`;
  return `${Math.round(v)} MB`;
}

/** Bytes → `812 B`, `3.2 KB`, ... */
export function bytes(value: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = value;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

export const num = (v: number | undefined): string => {
  const x = v ?? 0;
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
};

/** `master@127.0.0.1:5050` / `slave(1)@host:port` → `host:port`. */
export const address = (pid: string): string => pid.slice(pid.indexOf('@') + 1);
