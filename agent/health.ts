/**
 * Health checks of a task (Mesos's src/checks/health_checker.cpp), run by the
 * agent for the tasks it executes itself: COMMAND (a shell command in the
 * task's sandbox with its environment), HTTP (GET, healthy on 200-399 or the
 * given statuses) and TCP (a connection is made). Timings are Mesos's
 * defaults: first check after `delay_seconds` (15), then every
 * `interval_seconds` (10); a check taking longer than `timeout_seconds` (20)
 * fails; failures within `grace_period_seconds` (10) of the start are ignored
 * until the first success; `consecutive_failures` (3) in a row kill the task.
 *
 * Results are reported through `onResult`: every failure, and a success when
 * the task was not known to be healthy (the first one, or after failures).
 * All timers go through the host's clock.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Timer } from 'libprocess-ts';
import type { HealthCheck } from '../protocol/types.js';

export interface HealthHost {
  delay(ms: number, fn: () => void): Timer;
  /** Wraps a callback from asynchronous work so it runs inside the agent's process. */
  defer<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  now(): number;
  /** Environment and working directory of COMMAND checks (the task's). */
  env: Record<string, string>;
  cwd: string;
}

export interface HealthResult {
  healthy: boolean;
  /** Too many consecutive failures: the task must be killed. */
  kill: boolean;
  message: string;
  consecutiveFailures: number;
}

export const HEALTH_DEFAULTS = {
  delay_seconds: 15,
  interval_seconds: 10,
  timeout_seconds: 20,
  consecutive_failures: 3,
  grace_period_seconds: 10,
} as const;

/** Why a health check definition is unusable, or undefined. */
export function healthCheckError(check: HealthCheck): string | undefined {
  const type = check.type ?? (check.command ? 'COMMAND' : check.http ? 'HTTP' : check.tcp ? 'TCP' : 'UNKNOWN');
  if (type === 'COMMAND' && !check.command?.value) return 'COMMAND health check without a command value';
  if (type === 'HTTP' && !(check.http && check.http.port > 0)) return 'HTTP health check without a port';
  if (type === 'TCP' && !(check.tcp && check.tcp.port > 0)) return 'TCP health check without a port';
  if (type === 'UNKNOWN') return 'health check of unknown type';
  for (const k of ['delay_seconds', 'interval_seconds', 'timeout_seconds', 'grace_period_seconds'] as const) {
    const v = check[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) return `health check '${k}' must be a non-negative number`;
  }
  return undefined;
}

export class HealthChecker {
  readonly type: 'COMMAND' | 'HTTP' | 'TCP';
  #timer: Timer | undefined;
  #stopped = false;
  #initializing = true;
  #failures = 0;
  #startedAt = 0;
  #checks = 0;

  constructor(
    private readonly check: HealthCheck,
    private readonly host: HealthHost,
    private readonly onResult: (r: HealthResult) => void,
  ) {
    this.type = (check.type && check.type !== 'UNKNOWN' ? check.type : check.command ? 'COMMAND' : check.http ? 'HTTP' : 'TCP') as 'COMMAND' | 'HTTP' | 'TCP';
  }

  get checks(): number {
    return this.#checks;
  }

  private num(k: keyof typeof HEALTH_DEFAULTS): number {
    return this.check[k] ?? HEALTH_DEFAULTS[k];
  }

  start(): void {
    this.#startedAt = this.host.now();
    this.#schedule(this.num('delay_seconds') * 1000);
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = this.host.delay(ms, () => this.#run());
  }

  #run(): void {
    if (this.#stopped) return;
    this.#checks++;
    const timeoutMs = this.num('timeout_seconds') * 1000;
    let done = false;
    let cancel: () => void = () => {};
    const finish = this.host.defer((ok: boolean, message: string) => {
      if (done || this.#stopped) return;
      done = true;
      timer?.cancel();
      this.#result(ok, message);
    });
    const timer = timeoutMs > 0 ? this.host.delay(timeoutMs, () => {
      if (done) return;
      cancel();
      finish(false, `${this.type} health check timed out after ${this.num('timeout_seconds')}s`);
    }) : undefined;
    cancel = this.#probe(finish);
  }

  /** Starts one probe; returns a function that aborts it. */
  #probe(finish: (ok: boolean, message: string) => void): () => void {
    if (this.type === 'COMMAND') {
      const child = spawn('/bin/sh', ['-c', this.check.command!.value!], { cwd: this.host.cwd, env: this.host.env, stdio: 'ignore', detached: true });
      child.on('error', (e) => finish(false, `COMMAND health check could not run: ${e.message}`));
      child.on('exit', (code, signal) =>
        finish(code === 0, code === 0 ? 'COMMAND health check passed' : `COMMAND health check failed: ${code !== null ? `exited with status ${code}` : `terminated by ${signal}`}`),
      );
      return () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      };
    }
    if (this.type === 'HTTP') {
      const h = this.check.http!;
      const statuses = h.statuses && h.statuses.length > 0 ? h.statuses : undefined;
      const req = request({ host: '127.0.0.1', port: h.port, path: h.path ?? '/', method: 'GET' }, (res) => {
        const code = res.statusCode ?? 0;
        res.resume();
        const ok = statuses ? statuses.includes(code) : code >= 200 && code < 400;
        finish(ok, `HTTP health check returned ${code}`);
      });
      req.on('error', (e) => finish(false, `HTTP health check failed: ${e.message}`));
      req.end();
      return () => req.destroy();
    }
    const sock = connect({ host: '127.0.0.1', port: this.check.tcp!.port });
    sock.on('connect', () => {
      sock.destroy();
      finish(true, 'TCP health check passed');
    });
    sock.on('error', (e) => finish(false, `TCP health check failed: ${e.message}`));
    return () => sock.destroy();
  }

  #result(ok: boolean, message: string): void {
    if (ok) {
      const report = this.#initializing || this.#failures > 0;
      this.#initializing = false;
      this.#failures = 0;
      if (report) this.onResult({ healthy: true, kill: false, message, consecutiveFailures: 0 });
    } else if (this.#initializing && this.host.now() - this.#startedAt <= this.num('grace_period_seconds') * 1000) {
      // within the grace period and never healthy yet: ignored
    } else {
      this.#failures++;
      const kill = this.#failures >= this.num('consecutive_failures');
      this.onResult({ healthy: false, kill, message, consecutiveFailures: this.#failures });
      if (kill) {
        this.stop();
        return;
      }
    }
    this.#schedule(this.num('interval_seconds') * 1000);
  }
}
