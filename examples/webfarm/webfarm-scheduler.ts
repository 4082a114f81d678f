/**
 * The Mesos paper's elastic web farm: web server instances kept by the
 * services scheduler, and a loop that measures the load on each (requests/s,
 * from each server's /stats endpoint) every `pollMs` and scales the farm to
 * follow it (autoscaler.ts: target per instance, min/max, hysteresis).
 */
import { request } from 'node:http';
import type { Random, Runtime } from 'libprocess-ts';
import type { MasterSpec } from '../../framework/index.js';
import { ServiceScheduler, type Instance } from '../services/service-scheduler.js';
import { decide, initialState, validatePolicy, type AutoscalerPolicy, type AutoscalerState } from './autoscaler.js';

/** Measures one instance's load in requests/s; undefined when it cannot tell (not up yet, no answer). */
export type LoadProbe = (instance: Instance) => Promise<number | undefined>;

/** GET http://<host>:<PORT0>/stats, `{"rps": n}` (what server.ts serves). */
export function httpStatsProbe(timeoutMs = 2_000, hostOverride?: string): LoadProbe {
  return (i) =>
    new Promise((resolve) => {
      const port = i.ports[0];
      const host = hostOverride ?? i.hostname;
      if (port === undefined || host === undefined) return resolve(undefined);
      const req = request({ host, port, path: '/stats', timeout: timeoutMs }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c.length + body.length > 65_536 ? '' : c));
        res.on('end', () => {
          try {
            const rps = (JSON.parse(body) as { rps?: unknown }).rps;
            resolve(typeof rps === 'number' && Number.isFinite(rps) && rps >= 0 ? rps : undefined);
          } catch {
            resolve(undefined);
          }
        });
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(undefined));
      req.end();
    });
}

export interface WebFarmOptions {
  master: MasterSpec;
  /** The web server's command; it listens on $PORT0 and serves /stats. */
  command: string;
  resources?: string;
  policy: AutoscalerPolicy;
  /** Default: httpStatsProbe(). */
  probe?: LoadProbe;
  pollMs?: number;
  frameworkIdFile?: string;
  runtime?: Runtime;
  random?: Random | number;
  user?: string;
  /** The framework's principal and secret (its FrameworkInfo.principal; the driver authenticates with it). */
  credential?: { readonly principal: string; readonly secret: string };
  log?: (line: string) => void;
}

export class WebFarm {
  #state: AutoscalerState = initialState();
  /** Every decision that changed the size: [clock ms, from, to, reason]. */
  readonly changes: { atMs: number; from: number; to: number; reason: string }[] = [];
  lastLoads: number[] = [];

  private constructor(readonly options: WebFarmOptions, readonly service: ServiceScheduler) {}

  static async start(options: WebFarmOptions): Promise<WebFarm> {
    validatePolicy(options.policy);
    const log = options.log ?? ((l) => console.log(l));
    const service = await ServiceScheduler.start({
      master: options.master,
      name: 'webfarm',
      app: { id: 'web', command: options.command, instances: Math.max(1, options.policy.min), resources: options.resources ?? 'cpus:0.1;mem:32', ports: 1, healthCheck: { type: 'HTTP', path: '/stats', gracePeriodSeconds: 10, intervalSeconds: 2, delaySeconds: 1 } },
      ...(options.frameworkIdFile ? { frameworkIdFile: options.frameworkIdFile } : {}),
      ...(options.runtime ? { runtime: options.runtime } : {}),
      ...(options.random !== undefined ? { random: options.random } : {}),
      ...(options.user ? { user: options.user } : {}),
      ...(options.credential ? { credential: options.credential } : {}),
      reconcileSettleMs: 1_000,
      log,
    });
    const farm = new WebFarm(options, service);
    void farm.#loop(log);
    return farm;
  }

  get size(): number {
    return this.service.desired;
  }

  async #loop(log: (line: string) => void): Promise<void> {
    const probe = this.options.probe ?? httpStatsProbe();
    const driver = this.service.driver;
    for (;;) {
      await driver.sleep(this.options.pollMs ?? 5_000);
      if (driver.status !== 'DRIVER_RUNNING') return;
      if (this.service.reconciling) continue;
      const up = this.service.instances().filter((i) => i.state === 'TASK_RUNNING' && !i.killing);
      const loads = (await Promise.all(up.map((i) => probe(i)))).filter((x): x is number => x !== undefined);
      this.lastLoads = loads;
      const running = this.service.desired;
      const d = decide(this.options.policy, running, loads, this.#state);
      this.#state = d.state;
      if (d.desired !== running) {
        log(`scaling the farm ${running} -> ${d.desired}: ${d.reason}`);
        this.changes.push({ atMs: driver.runtime.clock.now(), from: running, to: d.desired, reason: d.reason });
        this.service.scale(d.desired);
      }
    }
  }

  stop(failover = false): Promise<string> {
    return this.service.stop(failover);
  }
}
