/**
 * Where the proxies reach mpiexec by default: the address this machine sends
 * from towards the (first) master, as the kernel's route lookup picks it (a
 * UDP socket connected there; nothing is sent). On `mesos-ts local` that is
 * 127.0.0.1; with network-namespace hosts, the bridge's address; on a real
 * network, this machine's address on the masters' network. Hydra's own
 * default, this machine's hostname, resolves to nothing the namespaces reach.
 */
import { createSocket } from 'node:dgram';

/** `host:port` → the local address used to reach it, or undefined when there is no route. */
export function sourceAddressTowards(hostPort: string): Promise<string | undefined> {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(hostPort.replace(/^[^@]*@/, '').replace(/^https?:\/\//, ''));
  if (!m) return Promise.resolve(undefined);
  const [, host, port] = m;
  return new Promise((resolve) => {
    const socket = createSocket(host!.includes(':') ? 'udp6' : 'udp4');
    const done = (address: string | undefined): void => {
      socket.close();
      resolve(address);
    };
    socket.once('error', () => done(undefined));
    socket.connect(Number(port), host, () => {
      try {
        done(socket.address().address);
      } catch {
        done(undefined);
      }
    });
  });
}
