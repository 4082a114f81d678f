// The pinger: sends `count` pings to a ponger in another OS process, one at a
// time, and prints each round trip. `node dist/examples/ping-pong/pinger.js <ponger-pid> [count]`
import { PID, Process, spawn, stopDefaultRuntime, type Handlers } from 'libprocess-ts';
import type { Pinger, Ponger } from './protocol.js';

class PingerProcess extends Process<Pinger> {
  readonly #ponger: PID<Ponger>;
  readonly #count: number;
  readonly #done: (roundTripsUs: number[]) => void;
  readonly #rtts: number[] = [];

  constructor(ponger: PID<Ponger>, count: number, done: (roundTripsUs: number[]) => void) {
    super();
    this.#ponger = ponger;
    this.#count = count;
    this.#done = done;
  }

  protected handlers(): Handlers<Pinger> {
    return {
      pong: ({ n, sent_at_ns, by_os_pid }, from) => {
        const us = Number(process.hrtime.bigint() - BigInt(sent_at_ns)) / 1000;
        this.#rtts.push(us);
        console.log(`pong ${n} from ${from} (os pid ${by_os_pid}) in ${us.toFixed(0)} us`);
        if (n < this.#count) this.#ping(n + 1);
        else this.#done(this.#rtts);
      },
    };
  }

  override initialize(): void {
    this.link(this.#ponger);
    this.#ping(1);
  }

  override exited(pid: PID): void {
    console.error(`lost the ponger ${pid}`);
    process.exitCode = 1;
    this.#done(this.#rtts);
  }

  #ping(n: number): void {
    this.send(this.#ponger, 'ping', { n, sent_at_ns: process.hrtime.bigint().toString() });
  }
}

/** Pings `ponger` `count` times from a process of this program's default runtime. */
export async function runPinger(ponger: PID<Ponger>, count: number): Promise<number[]> {
  let resolve!: (rtts: number[]) => void;
  const done = new Promise<number[]>((r) => (resolve = r));
  await spawn(new PingerProcess(ponger, count, resolve), 'pinger');
  const rtts = await done;
  await stopDefaultRuntime();
  return rtts;
}

export function summary(rtts: number[]): string {
  const sorted = [...rtts].sort((a, b) => a - b);
  const at = (p: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN).toFixed(0);
  return `${rtts.length} round trips: p50 ${at(0.5)} us, p99 ${at(0.99)} us`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [text, countText = '10'] = process.argv.slice(2);
  if (text === undefined) {
    console.error('usage: pinger <ponger-pid, e.g. ponger@127.0.0.1:40000> [count]');
    process.exit(2);
  }
  const rtts = await runPinger(PID.parse<Ponger>(text), Number(countText));
  console.log(summary(rtts));
}
