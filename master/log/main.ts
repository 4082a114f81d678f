/**
 * One replica of the replicated log as an OS process (tests, benchmarks, and
 * a manual way to try the log):
 *
 *   node dist/master/log/main.js --dir /tmp/r0 --port 7001 \
 *     --replicas log@127.0.0.1:7001,log@127.0.0.1:7002,log@127.0.0.1:7003
 *
 * Serves GET /log/status and POST /log/append on its port; appends need
 * `Authorization: Bearer <token>` with the token of --append_token (or
 * LOG_APPEND_TOKEN), else one made at start from node:crypto. Prints one JSON
 * line when it is up, with the token (and sends it over IPC when started with
 * fork): whoever started the replica can append, nobody else.
 */
import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { Random, Runtime, WsTransport, createLogger, osSeed, realClock } from 'libprocess-ts';
import { ReplicaProcess } from './replica.js';
import { FileStorage } from './storage.js';
import { DEFAULT_TIMING, type Timing } from './types.js';

/** `--timing` as JSON: a subset of Timing's fields, each a positive number (the core checks how they combine). */
function parseTiming(text: string): Partial<Timing> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`not valid JSON (${(err as Error).message}): ${text}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError(`expected a JSON object such as {"electionMinMs":1000}, got ${text}`);
  const known = Object.keys(DEFAULT_TIMING);
  for (const [k, v] of Object.entries(parsed)) {
    if (!known.includes(k)) throw new InvalidArgumentError(`unknown field "${k}" (known: ${known.join(', ')})`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new InvalidArgumentError(`${k} must be a positive number of milliseconds, got ${JSON.stringify(v)}`);
  }
  return parsed as Partial<Timing>;
}

const program = new Command()
  .name('log-replica')
  .requiredOption('--dir <path>', 'directory of this replica\'s files')
  .requiredOption('--port <n>', 'port to listen on', (v) => Number(v))
  .option('--ip <ip>', 'address to listen on', '127.0.0.1')
  .requiredOption('--replicas <pids>', 'comma-separated PIDs of all replicas (log@host:port), this one included')
  .option('--seed <n>', 'seed of election timeouts (default: from the OS)', (v) => Number(v))
  .option('--no-fsync', 'do not fsync (benchmarks of the alternative only: unsafe)')
  .option('--append_token <token>', 'the bearer token POST /log/append requires (default: LOG_APPEND_TOKEN, else a random one, printed)')
  .option('--no-fsync-thread-pool', 'fsync in place on a later turn of the event loop instead of on the thread pool')
  .option('--max-inflight <n>', 'most append messages in flight to one follower (default 64)', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got ${v}`);
    return n;
  })
  .option('--timing <json>', 'election and lease timing as JSON, e.g. \'{"electionMinMs":1000,"electionMaxMs":2000,"heartbeatMs":100,"leaseMs":900}\' (default: the log\'s own)', parseTiming)
  .parse();

const o = program.opts<{ dir: string; port: number; ip: string; replicas: string; seed?: number; fsync: boolean; fsyncThreadPool: boolean; maxInflight?: number; append_token?: string; timing?: Partial<Timing> }>();
const appendToken = o.append_token ?? process.env['LOG_APPEND_TOKEN'] ?? randomBytes(24).toString('base64url');
const seed = o.seed ?? osSeed();
const logger = createLogger(`log@${o.ip}:${o.port}`);
const runtime = await new Runtime({ transport: new WsTransport({ host: o.ip, port: o.port, clock: realClock }), name: `log-${o.port}`, logger }).start();
const replica = new ReplicaProcess({
  storage: new FileStorage(o.dir, { fsync: o.fsync, logger }),
  replicas: o.replicas.split(',').map((s) => s.trim()).filter((s) => s !== ''),
  random: new Random(seed),
  logger,
  ...(o.timing !== undefined ? { timing: o.timing } : {}),
  fsyncOnThreadPool: o.fsyncThreadPool,
  ...(o.maxInflight !== undefined ? { maxInflightMessages: o.maxInflight } : {}),
  // Group commit: appends read from the sockets in one turn of the event loop share one fsync.
  batchAppends: (flush) => setImmediate(flush),
  appendToken,
});
const pid = runtime.spawn(replica, 'log');
const hello = { pid: pid.toString(), address: runtime.address, seed, appendToken };
process.stdout.write(`${JSON.stringify(hello)}\n`);
process.send?.(hello);

const stop = () => void runtime.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
