// Baselines without libprocess-ts: ws + msgpackr by hand, the same messages,
// the same flow control, frames batched the same way (or not at all).
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { ACK_EVERY, NAME, WINDOW, body, packr } from './common.js';

const TO = 'receiver@127.0.0.1:1';
const FROM = 'sender@127.0.0.1:2';

/** Packs `n` messages as one frame: a flat [to, from, name, body]* array, like the transport. */
function packBatch(from: number, n: number): Buffer {
  const flat: unknown[] = new Array(n * 4);
  for (let i = 0; i < n; i++) {
    flat[i * 4] = TO;
    flat[i * 4 + 1] = FROM;
    flat[i * 4 + 2] = NAME;
    flat[i * 4 + 3] = body(from + i);
  }
  return packr.pack(flat);
}

/** Receiver side (a ws server in this process). Resolves with messages/s once `total` arrived. */
export async function rawReceiver(total: number, batched: boolean, startSender: (port: number) => Promise<void>): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as AddressInfo).port;
  const done = new Promise<number>((resolve) => {
    wss.on('connection', (ws) => {
      let count = 0;
      let lastSeq = -1;
      let t0 = 0n;
      ws.on('message', (data: RawData) => {
        const flat = packr.unpack(data as Buffer) as unknown[];
        if (flat.length === 1) {
          // 'ready'
          t0 = process.hrtime.bigint();
          ws.send(packr.pack(['go']));
          return;
        }
        let acks = 0;
        for (let i = 0; i < flat.length; i += 4) {
          // the handler: check order, count
          const seq = (flat[i + 3] as { seq: number }).seq;
          if (seq !== lastSeq + 1) throw new Error(`raw: out of order ${seq} after ${lastSeq}`);
          lastSeq = seq;
          count++;
          if (count % ACK_EVERY === 0) {
            if (batched) acks++;
            else ws.send(packr.pack([FROM, TO, 'ack', 1]));
          }
        }
        if (acks > 0) {
          const out: unknown[] = [];
          for (let a = 0; a < acks; a++) out.push(FROM, TO, 'ack', 1);
          ws.send(packr.pack(out));
        }
        if (count === total) {
          const s = Number(process.hrtime.bigint() - t0) / 1e9;
          resolve(total / s);
        }
      });
    });
  });
  await startSender(port);
  const rate = await done;
  for (const c of wss.clients) c.terminate();
  await new Promise((r) => wss.close(r));
  return rate;
}

/** Sender side (in a child process): dials, says ready, and on 'go' floods with a window. */
export async function rawSender(port: number, total: number, batched: boolean): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  await new Promise((r) => ws.once('open', r));
  let sent = 0;
  const sendUpTo = (limit: number): void => {
    const n = Math.min(limit, total) - sent;
    if (n <= 0) return;
    if (batched) {
      ws.send(packBatch(sent, n));
    } else {
      for (let i = 0; i < n; i++) ws.send(packr.pack([TO, FROM, NAME, body(sent + i)]));
    }
    sent += n;
  };
  let acked = 0;
  ws.on('message', (data: RawData) => {
    const flat = packr.unpack(data as Buffer) as unknown[];
    if (flat[0] === 'go') {
      sendUpTo(WINDOW);
      return;
    }
    acked += (flat.length / 4) * ACK_EVERY;
    sendUpTo(acked + WINDOW);
    if (acked >= total) ws.close();
  });
  ws.send(packr.pack(['ready']));
  await new Promise((r) => ws.once('close', r));
}

/** Ping-pong server (in a child process). Resolves with its port. */
export async function rawPonger(): Promise<{ port: number; close: () => void }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => {
    ws.on('message', (data: RawData) => {
      const m = packr.unpack(data as Buffer) as unknown[];
      ws.send(packr.pack([m[1], m[0], 'pong', m[3]]));
    });
  });
  return { port: (wss.address() as AddressInfo).port, close: () => wss.close() };
}

/** Ping-pong client (in this process): round-trip times in microseconds. */
export async function rawPinger(port: number, warmup: number, rounds: number): Promise<number[]> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  await new Promise((r) => ws.once('open', r));
  const rtts: number[] = [];
  await new Promise<void>((resolve) => {
    let i = 0;
    let t0 = 0n;
    const ping = (): void => {
      t0 = process.hrtime.bigint();
      ws.send(packr.pack([TO, FROM, NAME, body(i)]));
    };
    ws.on('message', () => {
      const rtt = Number(process.hrtime.bigint() - t0) / 1000;
      if (i >= warmup) rtts.push(rtt);
      i++;
      if (i === warmup + rounds) resolve();
      else ping();
    });
    ping();
  });
  ws.close();
  return rtts;
}
