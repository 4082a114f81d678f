/**
 * Finding the master. A detector answers "which master should I talk to now?"
 * with a PID text (`master@host:port`). The driver asks again before every
 * connection attempt, so a detector that walks a list (or asks mDNS, or a
 * leader endpoint) moves the driver to another master after a failure.
 */
import { PID } from 'libprocess-ts';

export interface MasterDetector {
  /**
   * The master to try next. `previous` is the master the driver last tried
   * (undefined on the first call); a detector for a list returns the one after it.
   */
  detect(previous?: string): Promise<string>;
}

/**
 * `host:port` -> `master@host:port`; `id@host:port` as is. Throws an Error
 * naming the text when it is neither.
 */
export function masterPidText(text: string): string {
  const t = text.trim().replace(/^mesos:\/\//, '').replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const full = t.includes('@') ? t : `master@${t}`;
  try {
    return PID.parse(full).toString();
  } catch (e) {
    throw new Error(`bad master address ${JSON.stringify(text)}: expected host:port or id@host:port (${(e as Error).message})`);
  }
}

/** A fixed master, or a list tried in turn (round robin): `a:5050`, `a:5050,b:5050`, or an array. */
export class StaticMasterDetector implements MasterDetector {
  readonly masters: readonly string[];

  constructor(masters: string | readonly string[]) {
    const list = (typeof masters === 'string' ? masters.split(',') : masters).map((m) => m.trim()).filter((m) => m !== '');
    if (list.length === 0) throw new Error('no master given: expected host:port, id@host:port, or a comma-separated list');
    this.masters = list.map(masterPidText);
  }

  detect(previous?: string): Promise<string> {
    if (previous === undefined) return Promise.resolve(this.masters[0]!);
    const i = this.masters.indexOf(previous);
    return Promise.resolve(this.masters[(i + 1) % this.masters.length]!);
  }
}

/** What `SchedulerDriverOptions.master` accepts: text (one master or a comma list), a list, a PID, or a detector. */
export type MasterSpec = string | readonly string[] | PID<any> | MasterDetector;

export function toDetector(spec: MasterSpec): MasterDetector {
  if (spec instanceof PID) return new StaticMasterDetector(spec.toString());
  if (typeof spec === 'string' || Array.isArray(spec)) return new StaticMasterDetector(spec as string | readonly string[]);
  return spec as MasterDetector;
}
