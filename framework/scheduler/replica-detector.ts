/**
 * A detector for a replica set given by one (or some) of its masters: before
 * each connection attempt it asks the master it is about to return for the
 * whole set (`GET /master/flags`, its `masters`, a 307 from a follower
 * followed to the leader) and adds the masters it did not know. So a driver
 * given one master learns the others while that master lives, and when it
 * dies walks on to them (they answer `not_leader` naming the new leader),
 * instead of retrying the dead address alone.
 *
 * Learning is best effort and bounded: an unreachable master, a 503 during an
 * election, a refusal (401/403) or a malformed answer leaves the list as it is;
 * each ask gives up after `timeoutMs` on the given clock. The addresses learnt
 * are checked (`host:port`) before they are used.
 */
import { realClock, type Clock } from 'libprocess-ts';
import { basicHeader } from '../../protocol/auth/basic.js';
import { masterPidText, type MasterDetector } from './detector.js';

export interface ReplicaSetDetectorOptions {
  /** HTTP Basic credential for /master/flags (when the masters authenticate read-only endpoints). */
  readonly credential?: { readonly principal: string; readonly secret: string };
  /** Bound of one ask (default 2,000 ms). */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  /** The HTTP client (default: the global fetch). */
  readonly fetch?: typeof fetch;
}

export class ReplicaSetDetector implements MasterDetector {
  readonly #masters: string[];
  readonly #options: ReplicaSetDetectorOptions;

  constructor(masters: string | readonly string[], options: ReplicaSetDetectorOptions = {}) {
    const list = (typeof masters === 'string' ? masters.split(',') : masters).map((m) => m.trim()).filter((m) => m !== '');
    if (list.length === 0) throw new Error('no master given: expected host:port, id@host:port, or a comma-separated list');
    this.#masters = [...new Set(list.map(masterPidText))];
    this.#options = options;
  }

  /** The masters known so far (PID texts): those given, then those learnt. */
  get masters(): readonly string[] {
    return this.#masters;
  }

  async detect(previous?: string): Promise<string> {
    const i = previous === undefined ? -1 : this.#masters.indexOf(previous);
    const next = this.#masters[(i + 1) % this.#masters.length]!;
    await this.learnFrom(next);
    return next;
  }

  /** Asks `master` (a PID text) for its replica set and adds the masters not known yet; true when it answered. */
  async learnFrom(master: string): Promise<boolean> {
    const address = master.slice(master.indexOf('@') + 1);
    const clock = this.#options.clock ?? realClock;
    const abort = new AbortController();
    const timer = clock.timer(this.#options.timeoutMs ?? 2000, () => abort.abort());
    try {
      const headers: Record<string, string> = this.#options.credential === undefined ? {} : { authorization: basicHeader(this.#options.credential.principal, this.#options.credential.secret) };
      let url = `http://${address}/master/flags`;
      // A follower answers 307 to the leader: followed by hand, so the credential goes along.
      for (let hop = 0; hop < 3; hop++) {
        const res = await (this.#options.fetch ?? fetch)(url, { headers, redirect: 'manual', signal: abort.signal });
        const location = res.headers.get('location');
        if (res.status === 307 && location !== null) {
          await res.body?.cancel();
          url = new URL('/master/flags', new URL(location, url)).toString();
          continue;
        }
        if (!res.ok) {
          await res.body?.cancel();
          return false;
        }
        const body = (await res.json()) as { flags?: { masters?: unknown } };
        const masters = body.flags?.masters;
        if (typeof masters !== 'string') return true; // a master alone
        for (const a of masters.split(',').map((s) => s.trim())) {
          if (!/^[^\s:@/]+:\d{1,5}$/.test(a)) continue;
          const pid = masterPidText(a);
          if (!this.#masters.includes(pid)) this.#masters.push(pid);
        }
        return true;
      }
      return false;
    } catch {
      return false; // unreachable, timed out, not JSON: the list stays as it is
    } finally {
      timer.cancel();
    }
  }
}
