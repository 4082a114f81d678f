// An SVG line plot of offer latency (p50, p99) and launch overhead against
// the number of agents, drawn by hand (no dependency).
export interface PlotRow {
  agents: number;
  offer_latency_ms_p50: number;
  offer_latency_ms_p99: number;
  launch_overhead_ms: number;
}

export function plotSvg(rows: readonly PlotRow[]): string {
  const W = 640;
  const H = 360;
  const m = { l: 60, r: 150, t: 30, b: 50 };
  const xs = rows.map((r) => r.agents);
  const series = [
    { name: 'offer latency p50', color: '#2b6cb0', get: (r: PlotRow) => r.offer_latency_ms_p50 },
    { name: 'offer latency p99', color: '#c53030', get: (r: PlotRow) => r.offer_latency_ms_p99 },
    { name: 'launch overhead', color: '#2f855a', get: (r: PlotRow) => r.launch_overhead_ms },
  ];
  const maxY = Math.max(1, ...rows.flatMap((r) => series.map((s) => (Number.isFinite(s.get(r)) ? s.get(r) : 0)))) * 1.1;
  const logX = (x: number): number => Math.log10(Math.max(1, x));
  const [x0, x1] = [Math.min(...xs.map(logX)), Math.max(...xs.map(logX))];
  const px = (x: number): number => m.l + (x1 === x0 ? (W - m.l - m.r) / 2 : ((logX(x) - x0) / (x1 - x0)) * (W - m.l - m.r));
  const py = (y: number): number => H - m.b - (y / maxY) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${m.l}" y="18" font-size="14">mesos-ts: offer latency and launch overhead (ms) vs agents, 200 frameworks</text>`);
  parts.push(`<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/><line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`);
  for (let i = 0; i <= 4; i++) {
    const y = (maxY / 4) * i;
    parts.push(`<text x="${m.l - 6}" y="${py(y) + 4}" text-anchor="end">${y.toFixed(0)}</text><line x1="${m.l}" y1="${py(y)}" x2="${W - m.r}" y2="${py(y)}" stroke="#eee"/>`);
  }
  for (const x of xs) parts.push(`<text x="${px(x)}" y="${H - m.b + 18}" text-anchor="middle">${x >= 1000 ? `${x / 1000}k` : x}</text>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">agents (log scale)</text>`);
  series.forEach((s, k) => {
    const pts = rows.filter((r) => Number.isFinite(s.get(r))).map((r) => `${px(r.agents).toFixed(1)},${py(s.get(r)).toFixed(1)}`);
    if (pts.length > 0) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const p of pts) parts.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${s.color}"/>`);
    parts.push(`<rect x="${W - m.r + 10}" y="${m.t + k * 20}" width="12" height="3" fill="${s.color}"/><text x="${W - m.r + 28}" y="${m.t + k * 20 + 5}">${s.name}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
