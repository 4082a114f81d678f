// One web server of the farm (runs as a task): listens on $PORT0 (or argv[2]),
// answers every request with a little page, and serves GET /stats:
// {"rps": requests per second over the last 5 s, "requests": total}.
// /stats requests are not counted as load.
import { createServer } from 'node:http';
import { realClock } from 'libprocess-ts';

const port = Number(process.env.PORT0 ?? process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`webfarm server: needs a port in $PORT0 or as the first argument, got ${JSON.stringify(process.env.PORT0 ?? process.argv[2])}`);
  process.exit(2);
}
const WINDOW_S = 5;
const buckets = new Map<number, number>(); // second -> requests
let total = 0;

function rps(): number {
  const now = Math.floor(realClock.now() / 1000);
  let n = 0;
  for (const [s, c] of buckets) {
    if (s <= now - WINDOW_S) buckets.delete(s);
    else if (s < now) n += c; // whole seconds only
  }
  return n / (WINDOW_S - 1);
}

const server = createServer((req, res) => {
  if (req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ rps: rps(), requests: total, pid: process.pid }));
    return;
  }
  const s = Math.floor(realClock.now() / 1000);
  buckets.set(s, (buckets.get(s) ?? 0) + 1);
  total++;
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`served by ${process.pid} on port ${port}\n`);
});
server.listen(port, '0.0.0.0', () => console.log(`webfarm server ${process.pid} listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
