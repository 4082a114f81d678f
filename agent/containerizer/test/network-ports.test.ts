/**
 * network/ports with real processes on 127.0.0.1 and ::1: a task listening on a port it was not
 * given is killed with REASON_CONTAINER_LIMITATION naming the port (found through /proc/net/tcp{,6}
 * and its processes' socket inodes), also when a child of its shell listens; one listening on its
 * own port is left alone; --check_agent_port_range_only lets it listen outside the agent's range;
 * without enforcement it is only logged. Each scan is run by the test (the watch interval is an
 * hour), so nothing depends on timing.
 */
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Containerizer } from '../containerizer.js';
import { listeningSockets, rangesText, type NetworkPortsIsolator } from '../isolators/network-ports.js';
import type { ContainerConfig, Logger } from '../types.js';
import { cid, cleanup, tmp, waitFor } from './helpers.js';

/** A port free on 127.0.0.1 now (the kernel's choice). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A shell command whose child listens on host:port, then touches `ready` in the sandbox. */
const listen = (port: number, host = '127.0.0.1'): string =>
  `${JSON.stringify(process.execPath)} -e 'require("net").createServer().listen(${port}, "${host}", () => require("fs").writeFileSync("ready", ""))' & wait`;

describe('network/ports', () => {
  let dir: string;
  const logged: string[] = [];
  const logger: Logger = { info: (m) => logged.push(m), warn: (m) => logged.push(m) };
  const made: Containerizer[] = [];
  beforeAll(() => {
    dir = tmp('ports-');
  });
  afterAll(async () => {
    for (const cz of made) {
      await Promise.all(cz.containers().map((id) => cz.destroy(id)));
      cz.close();
    }
    await cleanup(dir);
  });

  async function containerizer(networkPorts: { enforce: boolean; isolatedRange?: [number, number][] }): Promise<{ cz: Containerizer; ports: NetworkPortsIsolator }> {
    const cz = await Containerizer.create({ metaDir: join(dir, `meta-${made.length}`), isolation: 'posix/cpu,posix/mem,network/ports', networkPorts: { intervalMs: 3_600_000, ...networkPorts }, logger });
    made.push(cz);
    return { cz, ports: cz.isolators.find((i) => i.name === 'network/ports') as NetworkPortsIsolator };
  }

  const config = (value: string, ports: [number, number][]): ContainerConfig => {
    const id = cid('np');
    return { containerId: id, command: { shell: true, value }, sandbox: join(dir, 'runs', id), limits: { ports } };
  };

  test('a task listening on a port it was not given is killed, naming the port; on its own port it runs on', async () => {
    const { cz, ports } = await containerizer({ enforce: true });
    const [own, other] = [await freePort(), await freePort()];
    const good = config(listen(own), [[own, own]]);
    const bad = config(listen(other), [[own, own]]);
    const g = await cz.launch(good);
    const b = await cz.launch(bad);
    await waitFor(() => existsSync(join(good.sandbox, 'ready')) && existsSync(join(bad.sandbox, 'ready')), 10_000, 'both listening');
    await ports.check();
    const t = await b.wait();
    expect(t.limitation).toEqual({ resource: 'ports', reason: 'REASON_CONTAINER_LIMITATION', message: `Container ${bad.containerId} is listening on unallocated port(s): [${other}-${other}]` });
    expect(t.message).toBe(`Container ${bad.containerId} is listening on unallocated port(s): [${other}-${other}]`);
    expect(g.termination).toBeUndefined();
    expect(cz.containers()).toContain(good.containerId);
    await g.destroy();
  });

  test('IPv6 (::1) listeners are seen too', async () => {
    const { cz, ports } = await containerizer({ enforce: true });
    const port = await freePort();
    const c = config(listen(port, '::1'), []);
    const ct = await cz.launch(c);
    await waitFor(() => existsSync(join(c.sandbox, 'ready')), 10_000, 'listening');
    await ports.check();
    expect((await ct.wait()).limitation?.message).toContain(`unallocated port(s): [${port}-${port}]`);
  });

  test('--check_agent_port_range_only: a port outside the agent\'s range is allowed, one inside it is not', async () => {
    const outside = await freePort();
    const inside = await freePort();
    // The agent's range holds `inside` and not `outside`.
    const { cz, ports } = await containerizer({ enforce: true, isolatedRange: [[inside, inside]] });
    const free = config(listen(outside), []);
    const caught = config(listen(inside), []);
    const f = await cz.launch(free);
    const c = await cz.launch(caught);
    await waitFor(() => existsSync(join(free.sandbox, 'ready')) && existsSync(join(caught.sandbox, 'ready')), 10_000, 'both listening');
    await ports.check();
    expect((await c.wait()).limitation?.reason).toBe('REASON_CONTAINER_LIMITATION');
    expect(f.termination).toBeUndefined();
    await f.destroy();
  });

  test('without --enforce_container_ports the listener is logged once, not killed', async () => {
    const { cz, ports } = await containerizer({ enforce: false });
    const port = await freePort();
    const c = config(listen(port), []);
    const ct = await cz.launch(c);
    await waitFor(() => existsSync(join(c.sandbox, 'ready')), 10_000, 'listening');
    await ports.check();
    await ports.check();
    const line = `Container ${c.containerId} is listening on unallocated port(s): [${port}-${port}]`;
    expect(logged.filter((l) => l === line)).toHaveLength(1);
    expect(ct.termination).toBeUndefined();
    await ct.destroy();
  });

  test('/proc/net/tcp parsing and Mesos\'s ranges text', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:1F91 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 12346 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    expect([...listeningSockets(tcp)]).toEqual([[12345, 8080]]);
    expect(rangesText([31002, 31000, 31001, 31005])).toBe('[31000-31002, 31005-31005]');
  });
});
