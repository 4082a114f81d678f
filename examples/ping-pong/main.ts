// `make example-ping-pong`: starts the ponger as its own OS process, then pings
// it from this one: two runtimes, two OS processes, one WebSocket between them.
//   node dist/examples/ping-pong/main.js [count]
import { spawn as spawnChild } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PID } from 'libprocess-ts';
import { runPinger, summary } from './pinger.js';
import type { Ponger } from './protocol.js';

const count = Number(process.argv[2] ?? '10');
if (!Number.isInteger(count) || count < 1) {
  console.error(`ping-pong: count must be a positive integer, got ${JSON.stringify(process.argv[2])}`);
  process.exit(2);
}

// The ponger's file sits next to this one (.ts when run from sources, .js when built).
const here = fileURLToPath(import.meta.url);
const pongerFile = here.replace(/main\.(ts|js)$/, 'ponger.$1');
const child = spawnChild(process.execPath, [...process.execArgv, pongerFile], { stdio: ['ignore', 'pipe', 'inherit'] });
const lines = createInterface({ input: child.stdout! });

const pongerPid = await new Promise<string>((resolve, reject) => {
  lines.on('line', (line) => {
    console.log(`[ponger] ${line}`);
    const m = /^ponger ready at (\S+)$/.exec(line);
    if (m) resolve(m[1]!);
  });
  child.once('exit', (code) => reject(new Error(`the ponger exited (${code}) before it was ready`)));
});

console.log(`[pinger] os pid ${process.pid}, ponger os pid ${child.pid}`);
const rtts = await runPinger(PID.parse<Ponger>(pongerPid), count);
console.log(`[pinger] ${summary(rtts)}`);
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
