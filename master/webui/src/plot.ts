/** Line plots over time as inline SVG: one line per series, a y axis from 0, the last minutes on x. */
const SVG = 'http://www.w3.org/2000/svg';
export const COLORS = ['#2a7ab0', '#d9822b', '#3c9a5f', '#c23b3b', '#7d5ba6', '#8c6d31', '#d45fa0', '#5f7d8c', '#9aa33b', '#2fa4a4'];

export interface Series {
  readonly name: string;
  /** [browser time ms, value], in time order. */
  readonly points: readonly (readonly [number, number])[];
}

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A "nice" upper bound for the axis: 1, 2, 5 times a power of ten. */
export function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

const label = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(v < 1 ? 2 : 1));

/** Draws `series` between `from` and `to` (ms); the figure scales to its container's width. */
export function linePlot(title: string, unit: string, series: readonly Series[], from: number, to: number): HTMLElement {
  const W = 600;
  const H = 200;
  const L = 44;
  const R = 10;
  const T = 10;
  const B = 24;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[1]))));
  const x = (t: number): number => L + ((t - from) / Math.max(1, to - from)) * (W - L - R);
  const y = (v: number): number => T + (1 - v / max) * (H - T - B);
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'plot', role: 'img', 'aria-label': title });
  for (const v of [0, max / 2, max]) {
    svg.appendChild(el('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }));
    svg.appendChild(el('text', { x: L - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, label(v)));
  }
  const span = to - from;
  const step = span > 5 * 60_000 ? 120_000 : span > 2 * 60_000 ? 60_000 : 30_000;
  for (let ago = 0; ago <= span; ago += step) {
    svg.appendChild(el('text', { x: x(to - ago), y: H - 6, 'text-anchor': ago === 0 ? 'end' : 'middle', class: 'tick' }, ago === 0 ? 'now' : `-${Math.round(ago / 60_000 * 10) / 10}m`));
  }
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => p[0] >= from);
    if (pts.length === 0) return;
    const d = pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
    svg.appendChild(el('path', { d: pts.length === 1 ? `${d}h2` : d, stroke: COLORS[i % COLORS.length]!, class: 'line' }));
  });
  const legend = document.createElement('ul');
  legend.className = 'legend';
  series.forEach((s, i) => {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = COLORS[i % COLORS.length]!;
    const last = s.points[s.points.length - 1];
    li.append(sw, `${s.name}${last ? `: ${label(last[1])}` : ''}`);
    legend.appendChild(li);
  });
  const fig = document.createElement('figure');
  fig.className = 'plot-figure';
  const cap = document.createElement('figcaption');
  cap.textContent = `${title} (${unit})`;
  fig.append(cap, svg, legend);
  return fig;
}

/** Turns samples of `{name: value}` into one series per name seen. */
export function seriesOf<S extends { t: number }>(samples: readonly S[], pick: (s: S) => Readonly<Record<string, number>>): Series[] {
  const names = new Set<string>();
  for (const s of samples) for (const n of Object.keys(pick(s))) names.add(n);
  return [...names].sort().map((name) => ({ name, points: samples.map((s) => [s.t, pick(s)[name] ?? 0] as const) }));
}
