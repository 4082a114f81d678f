// Ports for processes that must be told theirs before they start (the masters of a replica set,
// a task's PORT0 range, a server that takes no port 0). Picking a free port, releasing it and
// letting the child bind it later races with everything else on the machine; so ports come from
// here: blocks below the host's ephemeral range (the kernel never hands those out for a port-0
// bind or an outgoing connection) and clear of the agents' default [31000-32000], leased across
// every test process on the machine (a lock file per block, created exclusively; a dead
// process's lease is taken over), each port checked bindable when leased.
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive } from './processes.js';

const BLOCK = 32;
const LOW = 20_000;
const HIGH = 31_000; // exclusive: the agents' default ports start here
const dir = join(tmpdir(), 'mesos-ts-test-ports');

export interface PortLease {
  readonly ports: readonly number[];
  /** Gives the block back (also done when this process exits). */
  release(): void;
}

function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32_768;
  }
}

const held = new Set<string>();
process.once('exit', () => {
  for (const f of held) try {
    unlinkSync(f);
  } catch {
    /* already gone */
  }
});

function tryLock(file: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.add(file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(file, 'utf8'));
      } catch {
        /* released meanwhile: try again */
      }
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) return false;
      try {
        unlinkSync(file); // its process is gone
      } catch {
        /* someone else took it over first */
      }
    }
  }
  return false;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** `count` (at most 32) consecutive ports no other test process holds, free when leased. */
export async function leasePorts(count: number): Promise<PortLease> {
  if (!Number.isInteger(count) || count < 1 || count > BLOCK) throw new Error(`leasePorts(${count}): 1 to ${BLOCK} ports`);
  mkdirSync(dir, { recursive: true });
  const high = Math.min(HIGH, ephemeralLow());
  const blocks = Math.floor((high - LOW) / BLOCK);
  const first = process.pid % blocks; // processes start apart, so they rarely contend
  for (let i = 0; i < blocks; i++) {
    const start = LOW + ((first + i) % blocks) * BLOCK;
    const file = join(dir, String(start));
    if (!tryLock(file)) continue;
    const ports = Array.from({ length: count }, (_, k) => start + k);
    if ((await Promise.all(ports.map(bindable))).every(Boolean)) {
      return {
        ports,
        release: () => {
          if (!held.delete(file)) return;
          try {
            unlinkSync(file);
          } catch {
            /* already gone */
          }
        },
      };
    }
    held.delete(file);
    unlinkSync(file);
  }
  throw new Error(`no block of ${count} free ports in [${LOW}, ${high}) (leases in ${dir})`);
}
