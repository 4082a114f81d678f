/**
 * Finding masters: a static `host:port[,host:port...]` list, or mDNS
 * (`mdns`, or no --master at all) where masters announce themselves as
 * `_mesos-master._tcp` services with their PID in the TXT record. Whichever
 * master answers, the leader is read from its state.
 */
import { Bonjour } from 'bonjour-service';
import { realClock } from 'libprocess-ts';

export const MDNS_TYPE = 'mesos-master';

export interface Announcement {
  stop(): Promise<void>;
}

/** Announces a master on the local network until stopped. */
export function announceMaster(pid: string, port: number, name = `mesos-ts-${pid}`): Announcement {
  const bonjour = new Bonjour({}, () => {});
  bonjour.publish({ name, type: MDNS_TYPE, port, txt: { pid } });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        bonjour.unpublishAll(() => bonjour.destroy(() => resolve()));
      }),
  };
}

/** Masters found over mDNS within `timeoutMs` (their PIDs), the first as soon as it answers when `first`. */
export function findMastersByMdns(timeoutMs: number, first = true): Promise<string[]> {
  return new Promise((resolve) => {
    const bonjour = new Bonjour({}, () => {});
    const found = new Set<string>();
    const done = (): void => {
      timer.cancel();
      browser.stop();
      bonjour.destroy();
      resolve([...found]);
    };
    const browser = bonjour.find({ type: MDNS_TYPE }, (service) => {
      const pid = (service.txt as Record<string, string> | undefined)?.['pid'];
      if (typeof pid === 'string' && /^[^@]+@[^:]+:\d+$/.test(pid)) {
        found.add(pid);
        if (first) done();
      }
    });
    const timer = realClock.timer(timeoutMs, done);
  });
}

/** `host:port` of each master named by a --master value (a list, or mdns). */
export async function masterAddresses(master: string | undefined, mdnsTimeoutMs = 5000): Promise<string[]> {
  if (master === undefined || master === '' || master === 'mdns') {
    const pids = await findMastersByMdns(mdnsTimeoutMs);
    if (pids.length === 0) throw new Error(`no master found over mDNS within ${mdnsTimeoutMs} ms; give --master=HOST:PORT`);
    return pids.map((p) => p.slice(p.indexOf('@') + 1));
  }
  const list = master.split(',').map((s) => s.trim().replace(/^https?:\/\//, '').replace(/^master@/, '').replace(/\/.*$/, ''));
  for (const a of list) {
    if (!/^[^:]+:\d+$/.test(a)) throw new Error(`--master=${master}: '${a}' is not HOST:PORT (or use --master=mdns)`);
  }
  return list;
}

/** The leading master's `host:port`: asks each master in turn for its state. */
export async function findLeader(master: string | undefined): Promise<string> {
  const errors: string[] = [];
  for (const address of await masterAddresses(master)) {
    try {
      const res = await fetch(`http://${address}/master/state`, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
      if (res.status === 307) {
        const location = res.headers.get('location');
        if (location) return new URL(location, `http://${address}`).host;
      }
      if (!res.ok) {
        errors.push(`${address}: HTTP ${res.status}`);
        continue;
      }
      const state = (await res.json()) as { leader?: string; pid?: string };
      const leader = state.leader ?? state.pid;
      if (typeof leader === 'string' && leader.includes('@')) return leader.slice(leader.indexOf('@') + 1);
      return address;
    } catch (err) {
      errors.push(`${address}: ${(err as Error).message}`);
    }
  }
  throw new Error(`no leading master reachable (${errors.join('; ')})`);
}
