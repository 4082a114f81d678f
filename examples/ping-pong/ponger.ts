// The ponger: an actor embedded in a plain Node program. Run it alone with
//   node dist/examples/ping-pong/ponger.js
// and it prints its PID (LIBPROCESS_IP / LIBPROCESS_PORT choose the address).
import { Process, spawn, stopDefaultRuntime, type Handlers, type PID } from 'libprocess-ts';
import type { Pinger, Ponger } from './protocol.js';

class PongerProcess extends Process<Ponger> {
  protected handlers(): Handlers<Ponger> {
    return {
      ping: ({ n, sent_at_ns }, from) => this.send(from as PID<Pinger>, 'pong', { n, sent_at_ns, by_os_pid: process.pid }),
    };
  }
}

const pid = await spawn(new PongerProcess(), 'ponger');
console.log(`ponger ready at ${pid}`);

const stop = (): void => void stopDefaultRuntime().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
