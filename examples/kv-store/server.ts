/**
 * The key-value store's server, the task the kv-store framework runs: an
 * HTTP server over an append-only log on its persistent volume. Each PUT is
 * one JSON line appended and fsync'ed before the answer, so an acknowledged
 * write survives the process being killed; at start the log is read back
 * (a torn last line, from a kill mid-write, is dropped).
 *
 *   GET /kv/<key>  → 200 value | 404        PUT /kv/<key> (body: value) → 204
 *   GET /health    → 200 {"keys", "pid", "volume", "started"}
 *
 *   node dist/examples/kv-store/server.js --dir data --host 127.0.0.1 --port 31000
 */
import { appendFileSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { dir: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } } });
const dir = values.dir ?? 'data';
const port = Number(values.port ?? '0');
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`kv server: --port must be a port number, got ${values.port}`);
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const logPath = join(dir, 'kv.log');
const store = new Map<string, string>();
let text = '';
try {
  text = readFileSync(logPath, 'utf8');
} catch {
  // a new volume: no log yet
}
const lines = text.split('\n');
lines.pop(); // after the last newline: '' or a torn line
for (const line of lines) {
  const entry = JSON.parse(line) as { k: string; v: string };
  store.set(entry.k, entry.v);
}

function append(k: string, v: string): void {
  appendFileSync(logPath, `${JSON.stringify({ k, v })}\n`);
  const fd = openSync(logPath, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const started = new Date().toISOString();
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: store.size, pid: process.pid, volume: realpathSync(dir), started }));
    return;
  }
  const m = /^\/kv\/([^/]+)$/.exec(url.pathname);
  if (m === null) {
    res.writeHead(404).end('not found\n');
    return;
  }
  const key = decodeURIComponent(m[1]!);
  if (req.method === 'GET') {
    const v = store.get(key);
    if (v === undefined) res.writeHead(404).end(`no key ${key}\n`);
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(v);
    return;
  }
  if (req.method === 'PUT') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
      if (body.length > 1 << 20) req.destroy();
    });
    req.on('end', () => {
      append(key, body);
      store.set(key, body);
      res.writeHead(204).end();
    });
    return;
  }
  res.writeHead(405, { allow: 'GET, PUT' }).end();
});
server.listen(port, values.host ?? '127.0.0.1', () => {
  const a = server.address() as { address: string; port: number };
  console.log(`kv server on http://${a.address}:${a.port}: ${store.size} key(s) loaded from ${realpathSync(dir)}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
