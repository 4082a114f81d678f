// A frame from a peer carries a batch whose senders and receivers repeat and
// alternate: the runtime checks and resolves them once per distinct one, so
// each message must still arrive with its own sender at its own receiver, a
// spoofed sender between good ones is dropped alone, and replies go back to
// each message's own sender. Sent as one frame by a raw WebSocket client.
import { afterEach, describe, expect, test } from '@jest/globals';
import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import { decodeFrame, encodeFrame } from '../src/codec.js';
import type { Envelope } from '../src/message.js';
import { Process } from '../src/process.js';
import type { Handlers } from '../src/protocol.js';
import { Runtime } from '../src/runtime.js';
import { LIBPROCESS_PATH, PEER_HEADER, WsTransport } from '../src/ws-transport.js';
import { eventually, realClock, silentLogger } from './helpers/ws-harness.js';

type Notes = { note: { n: number } };

class Echo extends Process<Notes> {
  readonly seen: Array<[number, string]> = [];
  protected handlers(): Handlers<Notes> {
    return {
      note: ({ n }, from) => {
        this.seen.push([n, from.toString()]);
        this.reply('echo', { n });
      },
    };
  }
}

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

describe('a batch from one peer', () => {
  test('each message keeps its own sender and receiver; a spoofed sender among them is dropped alone; replies reach each sender', async () => {
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    runtime = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: silentLogger }), logger: quiet as never }).start();
    const a = new Echo();
    const b = new Echo();
    const pa = runtime.spawn(a, 'a').toString();
    const pb = runtime.spawn(b, 'b').toString();
    const peer = '127.0.0.1:7';
    const ws = new WebSocket(`ws://${runtime.address}${LIBPROCESS_PATH}`, { headers: { [PEER_HEADER]: peer } });
    const replies: Envelope[] = [];
    ws.on('message', (data: RawData) => {
      const messages = decodeFrame(data as Buffer);
      if (!(messages instanceof Error)) replies.push(...messages);
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const x = `x@${peer}`;
    const y = `y@${peer}`;
    const batch: Envelope[] = [
      { from: x, to: pa, name: 'note', body: { n: 1 } },
      { from: x, to: pa, name: 'note', body: { n: 2 } },
      { from: `master@127.0.0.1:5050`, to: pa, name: 'note', body: { n: 666 } },
      { from: x, to: pb, name: 'note', body: { n: 3 } },
      { from: y, to: pb, name: 'note', body: { n: 4 } },
      { from: x, to: pa, name: 'note', body: { n: 5 } },
    ];
    ws.send(encodeFrame(batch));
    await eventually(() => replies.length === 5, 'five echoes');
    expect(a.seen).toEqual([[1, x], [2, x], [5, x]]);
    expect(b.seen).toEqual([[3, x], [4, y]]);
    expect(runtime.metrics()['spoofed_sender']).toBe(1);
    // Both processes are idle, so each message is handled as it arrives: the replies leave in the batch's order.
    expect(replies.map((m) => [(m.body as { n: number }).n, m.to, m.from])).toEqual([
      [1, x, pa],
      [2, x, pa],
      [3, x, pb],
      [4, y, pb],
      [5, x, pa],
    ]);
    ws.close();
  });
});
