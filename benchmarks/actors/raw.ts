// Baselines without libprocess-ts's transport or runtime: ws by hand, the
// same messages, the same flow control, frames batched the same way (or not
// at all), and the same wire format as the transport: its codec
// (encodeFrame/decodeFrame: the flat envelope array with repeated to/from/name
// sent as nil) and its masking (the dialer masks with zeros, as the transport's
// generateMask does). Only the transport's and the runtime's own work differ.
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { decodeFrame, encodeFrame, type Envelope } from 'libprocess-ts';
import { ACK_EVERY, NAME, WINDOW, body } from './common.js';

const TO = 'receiver@127.0.0.1:1';
const FROM = 'sender@127.0.0.1:2';

/** The transport's mask: zeros (RFC 6455 masking is against proxies' caches; the transport runs point to point). */
function zeroMask(mask: Buffer): void {
  mask.fill(0, 0, 4);
}

const frame = (messages: readonly Envelope[]): Uint8Array => encodeFrame(messages);
const one = (name: string, b: unknown, to = TO, from = FROM): Uint8Array => frame([{ to, from, name, body: b }]);

function decoded(data: RawData): Envelope[] {
  const m = decodeFrame(data as Buffer);
  if (m instanceof Error) throw m;
  return m;
}

/** Packs `n` messages as one frame, as the transport batches one turn's messages. */
function packBatch(from: number, n: number): Uint8Array {
  const batch: Envelope[] = new Array(n);
  for (let i = 0; i < n; i++) batch[i] = { to: TO, from: FROM, name: NAME, body: body(from + i) };
  return frame(batch);
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
        const messages = decoded(data);
        if (messages[0]!.name === 'ready') {
          t0 = process.hrtime.bigint();
          ws.send(one('go', null, FROM, TO));
          return;
        }
        let acks = 0;
        for (const m of messages) {
          // the handler: check order, count
          const seq = (m.body as { seq: number }).seq;
          if (seq !== lastSeq + 1) throw new Error(`raw: out of order ${seq} after ${lastSeq}`);
          lastSeq = seq;
          count++;
          if (count % ACK_EVERY === 0) {
            if (batched) acks++;
            else ws.send(one('ack', null, FROM, TO));
          }
        }
        if (acks > 0) {
          const out: Envelope[] = [];
          for (let a = 0; a < acks; a++) out.push({ to: FROM, from: TO, name: 'ack', body: null });
          ws.send(frame(out));
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
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false, generateMask: zeroMask });
  await new Promise((r) => ws.once('open', r));
  let sent = 0;
  const sendUpTo = (limit: number): void => {
    const n = Math.min(limit, total) - sent;
    if (n <= 0) return;
    if (batched) {
      ws.send(packBatch(sent, n));
    } else {
      for (let i = 0; i < n; i++) ws.send(one(NAME, body(sent + i)));
    }
    sent += n;
  };
  let acked = 0;
  ws.on('message', (data: RawData) => {
    const messages = decoded(data);
    if (messages[0]!.name === 'go') {
      sendUpTo(WINDOW);
      return;
    }
    acked += messages.length * ACK_EVERY;
    sendUpTo(acked + WINDOW);
    if (acked >= total) ws.close();
  });
  ws.send(one('ready', null));
  await new Promise((r) => ws.once('close', r));
}

/** Ping-pong server (in a child process). Resolves with its port. */
export async function rawPonger(): Promise<{ port: number; close: () => void }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => {
    ws.on('message', (data: RawData) => {
      const m = decoded(data)[0]!;
      ws.send(one('pong', m.body, m.from, m.to));
    });
  });
  return { port: (wss.address() as AddressInfo).port, close: () => wss.close() };
}

/** Ping-pong client (in this process): round-trip times in microseconds. */
export async function rawPinger(port: number, warmup: number, rounds: number): Promise<number[]> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false, generateMask: zeroMask });
  await new Promise((r) => ws.once('open', r));
  const rtts: number[] = [];
  await new Promise<void>((resolve) => {
    let i = 0;
    let t0 = 0n;
    const ping = (): void => {
      t0 = process.hrtime.bigint();
      ws.send(one(NAME, body(i)));
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
