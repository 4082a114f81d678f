/**
 * A load generator for the web farm: sends `rps()` requests per second in
 * all, spread round-robin over the farm's running instances (their host and
 * $PORT0 from the scheduler), with a bounded number in flight.
 */
import { request } from 'node:http';
import type { Clock, Timer } from 'libprocess-ts';

export interface Target {
  host: string;
  port: number;
}

export class LoadGenerator {
  #timer: Timer | undefined;
  #next = 0;
  #inFlight = 0;
  sent = 0;
  failed = 0;

  constructor(
    private readonly clock: Clock,
    private readonly targets: () => Target[],
    private readonly rps: () => number,
    private readonly maxInFlight = 200,
  ) {}

  start(): void {
    const tick = (): void => {
      const n = Math.round(this.rps() / 10); // every 100 ms
      const targets = this.targets();
      for (let i = 0; i < n && targets.length > 0 && this.#inFlight < this.maxInFlight; i++) this.#send(targets[this.#next++ % targets.length]!);
      this.#timer = this.clock.timer(100, tick);
    };
    tick();
  }

  stop(): void {
    this.#timer?.cancel();
  }

  #send(t: Target): void {
    this.#inFlight++;
    this.sent++;
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      this.#inFlight--;
      if (!ok) this.failed++;
    };
    const req = request({ host: t.host, port: t.port, path: '/', timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => finish(true));
      res.on('error', () => finish(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => finish(false));
    req.end();
  }
}
