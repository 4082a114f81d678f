// SVG line charts drawn by hand (no dependency): `lineChart` for any x/y
// series (the experiments' figures use it too), `plotSvg` for the offer
// benchmark's latency and overhead against the number of agents.

export interface ChartSeries {
  readonly name: string;
  /** [x, y] in x order; a non-finite y leaves a gap. */
  readonly points: readonly (readonly [number, number])[];
  /** Drawn dashed (a reference beside a measurement). */
  readonly dashed?: boolean;
  /** Dots at the points as well as the line. */
  readonly dots?: boolean;
  /** Default: the next of COLORS. */
  readonly color?: string;
}

export interface Chart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly logX?: boolean;
  /** Upper bound of the y axis (default: the data's, rounded up to 1, 2 or 5 times a power of ten). */
  readonly yMax?: number;
  /** Ticks on x at these values (default: five even ticks; with logX, the points' x). */
  readonly xTicks?: readonly number[];
  readonly width?: number;
  readonly height?: number;
}

export const COLORS = ['#2b6cb0', '#c53030', '#2f855a', '#d9822b', '#7d5ba6', '#8c6d31', '#d45fa0', '#5f7d8c', '#9aa33b', '#2fa4a4'];

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (v <= m * p * (1 + 1e-9)) return m * p;
  return 10 * p;
}

/** Ticks at multiples of 1, 2 or 5 times a power of ten, about five across [x0, x1]. */
function evenTicks(x0: number, x1: number): number[] {
  if (!(x1 > x0)) return Number.isFinite(x0) ? [x0] : [];
  const raw = (x1 - x0) / 5;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let x = Math.ceil(x0 / step - 1e-9) * step; x <= x1 + 1e-9; x += step) out.push(Math.round(x / step) * step);
  return out;
}

const tick = (v: number): string => (Math.abs(v) >= 1000 && v % 1000 === 0 ? `${v / 1000}k` : Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 2 : 1));
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One SVG document: the series as lines over shared axes, a legend on the right. */
export function lineChart(c: Chart): string {
  const W = c.width ?? 720;
  const H = c.height ?? 360;
  const m = { l: 60, r: 190, t: 34, b: 50 };
  const fx = (x: number): number => (c.logX === true ? Math.log10(Math.max(1e-9, x)) : x);
  const all = c.series.flatMap((s) => s.points);
  const xs = all.map((p) => fx(p[0]));
  const [x0, x1] = xs.length > 0 ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const maxY = c.yMax ?? niceMax(Math.max(0, ...all.map((p) => (Number.isFinite(p[1]) ? p[1] : 0))));
  const px = (x: number): number => m.l + (x1 === x0 ? (W - m.l - m.r) / 2 : ((fx(x) - x0) / (x1 - x0)) * (W - m.l - m.r));
  const py = (y: number): number => H - m.b - (Math.min(y, maxY) / maxY) * (H - m.t - m.b);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${m.l}" y="20" font-size="14">${esc(c.title)}</text>`);
  out.push(`<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/><line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`);
  for (let i = 0; i <= 4; i++) {
    const y = (maxY / 4) * i;
    out.push(`<text x="${m.l - 6}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${tick(y)}</text><line x1="${m.l}" y1="${py(y).toFixed(1)}" x2="${W - m.r}" y2="${py(y).toFixed(1)}" stroke="#eee"/>`);
  }
  const xTicks = c.xTicks ?? (c.logX === true ? [...new Set(all.map((p) => p[0]))] : evenTicks(x0, x1));
  for (const x of xTicks) out.push(`<text x="${px(x).toFixed(1)}" y="${H - m.b + 18}" text-anchor="middle">${tick(Math.round(x * 100) / 100)}</text>`);
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">${esc(c.xLabel)}${c.logX === true ? ' (log scale)' : ''}</text>`);
  out.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`);
  c.series.forEach((s, k) => {
    const color = s.color ?? COLORS[k % COLORS.length]!;
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : '';
    // A gap (non-finite y) splits the line.
    const runs: string[][] = [[]];
    for (const [x, y] of s.points) {
      if (Number.isFinite(y)) runs[runs.length - 1]!.push(`${px(x).toFixed(1)},${py(y).toFixed(1)}`);
      else if (runs[runs.length - 1]!.length > 0) runs.push([]);
    }
    for (const pts of runs) if (pts.length > 0) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.join(' ')}"/>`);
    if (s.dots === true) for (const pts of runs) for (const p of pts) out.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${color}"/>`);
    out.push(`<line x1="${W - m.r + 10}" y1="${m.t + k * 20}" x2="${W - m.r + 24}" y2="${m.t + k * 20}" stroke="${color}" stroke-width="3"${dash}/><text x="${W - m.r + 30}" y="${m.t + k * 20 + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export interface PlotRow {
  agents: number;
  offer_latency_ms_p50: number;
  offer_latency_ms_p99: number;
  launch_overhead_ms: number;
}

export function plotSvg(rows: readonly PlotRow[], title = 'mesos-ts: offer latency and launch overhead (ms) vs agents, 200 frameworks'): string {
  const series = (name: string, get: (r: PlotRow) => number): ChartSeries => ({ name, dots: true, points: rows.map((r) => [r.agents, get(r)] as const) });
  return lineChart({
    title,
    xLabel: 'agents',
    yLabel: 'ms',
    logX: true,
    yMax: niceMax(Math.max(1, ...rows.flatMap((r) => [r.offer_latency_ms_p50, r.offer_latency_ms_p99, r.launch_overhead_ms].filter(Number.isFinite))) * 1.1),
    series: [series('offer latency p50', (r) => r.offer_latency_ms_p50), series('offer latency p99', (r) => r.offer_latency_ms_p99), series('launch overhead', (r) => r.launch_overhead_ms)],
  });
}
