/**
 * Free TCP ports on 127.0.0.1, for processes that must know each other's
 * addresses before they start (the masters of a replica set). Each port is
 * bound with port 0 and released; all are held until the last is chosen, so
 * they differ. Another program may take one in between: the master then fails
 * with EADDRINUSE and says so.
 */
import { createServer, type Server } from 'node:net';

export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
    }
    return servers.map((s) => {
      const a = s.address();
      if (a === null || typeof a === 'string') throw new Error('a free port could not be read back');
      return a.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }
}
