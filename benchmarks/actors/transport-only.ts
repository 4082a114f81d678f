// The WebSocket transport on its own (no runtime, no processes): the same
// workload driven straight through Transport.send / TransportEvents.deliver.
// It separates the transport's cost from the runtime's in the table.
import { WsTransport } from 'libprocess-ts';

type TransportEvents = Parameters<WsTransport['start']>[0];
type Clock = ConstructorParameters<typeof WsTransport>[0]['clock'];
type Envelope = Parameters<WsTransport['send']>[1];
import { ACK_EVERY, NAME, WINDOW, body } from './common.js';

export const realClock: Clock = {
  now: () => Date.now(),
  timer(ms, fn) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
};

function events(deliver: (messages: readonly Envelope[], peer: string) => void): TransportEvents {
  return {
    deliver,
    peerDown: () => {},
    connected: () => {},
    badInput: (kind, peer, detail) => console.error(`bad input ${kind} from ${peer}: ${detail}`),
    http: async () => ({ status: 404 }),
  };
}

export async function transportReceiver(total: number, startSender: (address: string) => Promise<void>): Promise<number> {
  const t = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock });
  let resolveDone!: (rate: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  let count = 0;
  let lastSeq = -1;
  let t0 = 0n;
  const a = await t.start(events((messages, peer) => {
    for (const m of messages) {
      if (m.name === 'ready') {
        t0 = process.hrtime.bigint();
        t.send(peer, { to: m.from, from: m.to, name: 'go', body: null });
        continue;
      }
      const seq = (m.body as { seq: number }).seq;
      if (seq !== lastSeq + 1) throw new Error(`transport: out of order ${seq} after ${lastSeq}`);
      lastSeq = seq;
      count++;
      if (count % ACK_EVERY === 0) t.send(peer, { to: m.from, from: m.to, name: 'ack', body: null });
      if (count === total) resolveDone(total / (Number(process.hrtime.bigint() - t0) / 1e9));
    }
  }));
  await startSender(`${a.host}:${a.port}`);
  const rate = await done;
  await t.stop();
  return rate;
}

export async function transportSender(receiver: string, total: number): Promise<void> {
  const t = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock });
  let sent = 0;
  let acked = 0;
  let from = '';
  const to = `receiver@${receiver}`;
  const sendUpTo = (limit: number): void => {
    const end = Math.min(limit, total);
    for (; sent < end; sent++) t.send(receiver, { to, from, name: NAME, body: body(sent) });
  };
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const a = await t.start(events((messages) => {
    for (const m of messages) {
      if (m.name === 'go') sendUpTo(WINDOW);
      else {
        acked += ACK_EVERY;
        sendUpTo(acked + WINDOW);
        if (acked >= total) finished();
      }
    }
  }));
  from = `sender@${a.host}:${a.port}`;
  t.send(receiver, { to, from, name: 'ready', body: null });
  await done;
  await t.stop();
}

/** Echoes `ping` as `pong` (in a child process). Resolves with its address. */
export async function transportPonger(): Promise<string> {
  const t = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock });
  const a = await t.start(events((messages, peer) => {
    for (const m of messages) t.send(peer, { to: m.from, from: m.to, name: 'pong', body: m.body });
  }));
  process.on('disconnect', () => void t.stop());
  return `${a.host}:${a.port}`;
}

/** Round-trip times in microseconds through two transports. */
export async function transportPinger(ponger: string, warmup: number, rounds: number): Promise<number[]> {
  const t = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock });
  const rtts: number[] = [];
  let i = 0;
  let t0 = 0n;
  let from = '';
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const ping = (): void => {
    t0 = process.hrtime.bigint();
    t.send(ponger, { to: `ponger@${ponger}`, from, name: NAME, body: body(i) });
  };
  const a = await t.start(events(() => {
    const rtt = Number(process.hrtime.bigint() - t0) / 1000;
    if (i >= warmup) rtts.push(rtt);
    i++;
    if (i === warmup + rounds) finished();
    else ping();
  }));
  from = `pinger@${a.host}:${a.port}`;
  ping();
  await done;
  await t.stop();
  return rtts;
}
