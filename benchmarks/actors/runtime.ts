// The whole runtime: processes, mailboxes and the WebSocket transport, with
// the same workloads as the baselines (same message name and body, the same
// window and acknowledgements for one-way throughput).
import { PID, Process, Runtime, WsTransport, realClock, type Handlers } from 'libprocess-ts';
import { ACK_EVERY, NAME, WINDOW, body } from './common.js';
import { securityOptions, type Security } from './security.js';

type Msg = { [NAME]: { seq: number } };
type Receiver = Msg & { ready: null };
type Sender = { go: null; ack: null };
type Ponger = Msg;
type Pinger = Msg;

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function startRuntime(mode: Security = 'plain'): Promise<Runtime> {
  const transport = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, ...securityOptions(mode) });
  return new Runtime({ transport, clock: realClock, name: 'bench', logger: quiet as never }).start();
}

/** Local: `chains` messages bounce between two processes until `total` have been handled. */
export async function runtimeLocal(total: number, chains = 1000): Promise<number> {
  const runtime = await startRuntime();
  let handled = 0;
  let resolveDone!: (s: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  let t0 = 0n;
  class Bouncer extends Process<Msg> {
    peer!: PID<Msg>;
    protected handlers(): Handlers<Msg> {
      return {
        [NAME]: ({ seq }) => {
          handled++;
          if (handled === total) resolveDone(Number(process.hrtime.bigint() - t0) / 1e9);
          else if (handled <= total - chains) this.send(this.peer, NAME, body(seq + 1));
        },
      };
    }
    start(n: number): void {
      for (let i = 0; i < n; i++) this.send(this.peer, NAME, body(0));
    }
  }
  const a = new Bouncer();
  const b = new Bouncer();
  const pa = runtime.spawn(a, 'a');
  const pb = runtime.spawn(b, 'b');
  a.peer = pb;
  b.peer = pa;
  t0 = process.hrtime.bigint();
  await runtime.dispatch(a, 'start', chains);
  const seconds = await done;
  await runtime.stop();
  return total / seconds;
}

/** One-way receiver: resolves with messages/s once `total` arrived in order. */
export async function runtimeReceiver(total: number, startSender: (receiver: string) => Promise<void>, mode: Security = 'plain'): Promise<number> {
  const runtime = await startRuntime(mode);
  let resolveDone!: (rate: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  class ReceiverProcess extends Process<Receiver> {
    count = 0;
    lastSeq = -1;
    t0 = 0n;
    protected handlers(): Handlers<Receiver> {
      return {
        ready: (_b, from) => {
          this.t0 = process.hrtime.bigint();
          this.send(from as PID<Sender>, 'go', null);
        },
        [NAME]: ({ seq }, from) => {
          if (seq !== this.lastSeq + 1) throw new Error(`runtime: out of order ${seq} after ${this.lastSeq}`);
          this.lastSeq = seq;
          this.count++;
          if (this.count % ACK_EVERY === 0) this.send(from as PID<Sender>, 'ack', null);
          if (this.count === total) resolveDone(total / (Number(process.hrtime.bigint() - this.t0) / 1e9));
        },
      };
    }
  }
  const pid = runtime.spawn(new ReceiverProcess(), 'receiver');
  await startSender(pid.toString());
  const rate = await done;
  await runtime.stop();
  return rate;
}

/** One-way sender (in the child): a window of WINDOW unacknowledged messages. */
export async function runtimeSender(receiverText: string, total: number, mode: Security = 'plain'): Promise<void> {
  const runtime = await startRuntime(mode);
  const receiver = PID.parse<Receiver>(receiverText);
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  class SenderProcess extends Process<Sender> {
    sent = 0;
    acked = 0;
    protected handlers(): Handlers<Sender> {
      return {
        go: () => this.sendUpTo(WINDOW),
        ack: () => {
          this.acked += ACK_EVERY;
          this.sendUpTo(this.acked + WINDOW);
          if (this.acked >= total) finished();
        },
      };
    }
    override initialize(): void {
      this.send(receiver, 'ready', null);
    }
    sendUpTo(limit: number): void {
      const end = Math.min(limit, total);
      for (; this.sent < end; this.sent++) this.send(receiver, NAME, body(this.sent));
    }
  }
  runtime.spawn(new SenderProcess(), 'sender');
  await done;
  await runtime.stop();
}

/** A runtime whose `ponger` answers every message (in the child). Resolves with its PID. */
export async function runtimePonger(mode: Security = 'plain'): Promise<string> {
  const runtime = await startRuntime(mode);
  class PongerProcess extends Process<Ponger> {
    protected handlers(): Handlers<Ponger> {
      return { [NAME]: (b) => this.reply(NAME, b) };
    }
  }
  const pid = runtime.spawn(new PongerProcess(), 'ponger');
  process.on('disconnect', () => void runtime.stop());
  return pid.toString();
}

/** Round-trip times in microseconds between two processes in two runtimes. */
export async function runtimePinger(pongerText: string, warmup: number, rounds: number, mode: Security = 'plain'): Promise<number[]> {
  const runtime = await startRuntime(mode);
  const ponger = PID.parse<Ponger>(pongerText);
  const rtts: number[] = [];
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  class PingerProcess extends Process<Pinger> {
    i = 0;
    t0 = 0n;
    protected handlers(): Handlers<Pinger> {
      return {
        [NAME]: () => {
          const rtt = Number(process.hrtime.bigint() - this.t0) / 1000;
          if (this.i >= warmup) rtts.push(rtt);
          this.i++;
          if (this.i === warmup + rounds) finished();
          else this.ping();
        },
      };
    }
    override initialize(): void {
      this.ping();
    }
    ping(): void {
      this.t0 = process.hrtime.bigint();
      this.send(ponger, NAME, body(this.i));
    }
  }
  runtime.spawn(new PingerProcess(), 'pinger');
  await done;
  await runtime.stop();
  return rtts;
}
