/**
 * Finding masters: a static `host:port[,host:port...]` list, or mDNS
 * (`mdns`, or no --master at all) where masters announce themselves as
 * `_mesos-master._tcp` services with their PID and their cluster's mDNS name
 * (--mdns_name) in the TXT record; a search keeps only the masters announcing
 * its own name, so two clusters on one network never find each other.
 * Whichever master answers, the leader is read from its state.
 */
import { Bonjour } from 'bonjour-service';
import { Option } from 'commander';
import { authFetch } from './credentials.js';
import { realClock } from 'libprocess-ts';

export const MDNS_TYPE = 'mesos-master';
/** The mDNS name of a cluster started without --mdns_name (and of masters that announce none). */
export const DEFAULT_MDNS_NAME = 'mesos-ts';

/** --mdns_name (MESOS_MDNS_NAME), shared by every command that announces or searches. */
export function mdnsNameOption(): Option {
  return new Option('--mdns_name <name>', 'the cluster\'s name over mDNS: masters announce it, commands and agents find only masters announcing the same').default(DEFAULT_MDNS_NAME).env('MESOS_MDNS_NAME');
}

/** A valid --mdns_name (letters, digits, '.', '_', '-'; 1 to 63), or an error naming it. */
export function parseMdnsName(value: string | undefined): string {
  if (value === undefined) return DEFAULT_MDNS_NAME;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(value)) throw new Error(`--mdns_name=${value}: expected 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  return value;
}

export interface Announcement {
  stop(): Promise<void>;
}

/** Announces a master of the cluster `mdnsName` on the local network until stopped. */
export function announceMaster(pid: string, port: number, mdnsName = DEFAULT_MDNS_NAME, name = `mesos-ts-${pid}`): Announcement {
  const bonjour = new Bonjour({}, () => {});
  bonjour.publish({ name, type: MDNS_TYPE, port, txt: { pid, mdns_name: mdnsName } });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        bonjour.unpublishAll(() => bonjour.destroy(() => resolve()));
      }),
  };
}

/**
 * Masters of the cluster `mdnsName` found over mDNS within `timeoutMs` (their
 * PIDs). With `first`, it resolves `gatherMs` after the first answer (0: at
 * once), so that the other masters of a replica set that answer right after
 * it are kept too.
 */
export function findMastersByMdns(timeoutMs: number, first = true, gatherMs = 0, mdnsName = DEFAULT_MDNS_NAME): Promise<string[]> {
  return new Promise((resolve) => {
    const bonjour = new Bonjour({}, () => {});
    const found = new Set<string>();
    let finished = false;
    let gather: ReturnType<typeof realClock.timer> | undefined;
    const done = (): void => {
      if (finished) return;
      finished = true;
      timer.cancel();
      gather?.cancel();
      browser.stop();
      bonjour.destroy();
      resolve([...found]);
    };
    const browser = bonjour.find({ type: MDNS_TYPE }, (service) => {
      const txt = service.txt as Record<string, string> | undefined;
      const pid = txt?.['pid'];
      if ((txt?.['mdns_name'] ?? DEFAULT_MDNS_NAME) !== mdnsName) return; // another cluster's master
      if (typeof pid === 'string' && /^[^@]+@[^:]+:\d+$/.test(pid)) {
        found.add(pid);
        if (first && gatherMs <= 0) done();
        else if (first && gather === undefined) gather = realClock.timer(gatherMs, done);
      }
    });
    const timer = realClock.timer(timeoutMs, done);
  });
}

/**
 * `host:port` of each master named by a --master value (a list, or mdns).
 * Over mDNS, `gatherMs` after the first answer collects the other masters
 * that answer (a replica set announces every master).
 */
export async function masterAddresses(master: string | undefined, mdnsTimeoutMs = 5000, gatherMs = 0, mdnsName = DEFAULT_MDNS_NAME): Promise<string[]> {
  if (master === undefined || master === '' || master === 'mdns') {
    const pids = await findMastersByMdns(mdnsTimeoutMs, true, gatherMs, mdnsName);
    if (pids.length === 0) throw new Error(`no master of --mdns_name=${mdnsName} found over mDNS within ${mdnsTimeoutMs} ms; give --master=HOST:PORT`);
    return pids.map((p) => p.slice(p.indexOf('@') + 1));
  }
  const list = master.split(',').map((s) => s.trim().replace(/^https?:\/\//, '').replace(/^master@/, '').replace(/\/.*$/, ''));
  for (const a of list) {
    if (!/^[^:]+:\d+$/.test(a)) throw new Error(`--master=${master}: '${a}' is not HOST:PORT (or use --master=mdns)`);
  }
  return list;
}

/**
 * The leading master's `host:port`: asks each master in turn for its state. A
 * master that does not lead answers 307 to the leader (followed) or 503 while
 * an election is under way: then the masters are asked again, every 250 ms,
 * until `waitMs` has passed.
 */
export async function findLeader(master: string | undefined, waitMs = 5000, mdnsName = DEFAULT_MDNS_NAME): Promise<string> {
  const addresses = await masterAddresses(master, 5000, 500, mdnsName);
  const deadline = realClock.now() + waitMs;
  for (;;) {
    const errors: string[] = [];
    let electing = false;
    for (const address of addresses) {
      try {
        const res = await authFetch(`http://${address}/master/state`, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
        if (res.status === 307) {
          const location = res.headers.get('location');
          await res.body?.cancel();
          if (location) return new URL(location, `http://${address}`).host;
        }
        if (res.status === 503) {
          await res.body?.cancel();
          electing = true;
          errors.push(`${address}: no leader elected yet`);
          continue;
        }
        if (!res.ok) {
          await res.body?.cancel();
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
    // Masters that are down or electing: a leader may be along shortly (an election takes about a second).
    if (realClock.now() >= deadline || (!electing && addresses.length < 2)) throw new Error(`no leading master reachable (${errors.join('; ')})`);
    await new Promise<void>((resolve) => realClock.timer(250, resolve));
  }
}
