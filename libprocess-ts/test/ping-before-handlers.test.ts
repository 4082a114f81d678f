// Remote messages for an idle process run as they arrive (runtime.ts #serveNow), but never from inside ws' parser:
// the transport hands a read's frames over once the whole read is parsed. So a keepalive ping that came in the same
// socket read as data frames is answered before their handlers run, however long those take; a peer flooding this
// runtime with work cannot make it miss its pings (with handlers run inside the parser it did: the pong waited for
// every handler of the frames before it, and a peer that judged the connection dead cut it with every process on it).
import { afterEach, expect, test } from '@jest/globals';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { encodeFrame } from '../src/codec.js';
import { Process } from '../src/process.js';
import type { Handlers } from '../src/protocol.js';
import { Runtime } from '../src/runtime.js';
import { LIBPROCESS_PATH, PEER_HEADER, WsTransport } from '../src/ws-transport.js';
import { eventually, realClock, silentLogger } from './helpers/ws-harness.js';

type Notes = { note: { n: number } };

/** Records, for each message, how many pings its runtime's transport had answered when the handler ran. */
class Probe extends Process<Notes> {
  readonly answeredAt: number[] = [];
  protected handlers(): Handlers<Notes> {
    return { note: () => this.answeredAt.push(this.runtime.metrics()['transport/pings_answered']!) };
  }
}

/** A masked client frame (RFC 6455 5.2) with a zero mask: opcode 0x2 binary, 0x9 ping. */
function clientFrame(opcode: number, payload: Uint8Array): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  if (len > 0xffff) throw new Error('test frames stay under 64 KiB');
  return Buffer.concat([head, Buffer.alloc(4), payload]);
}

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

test('a ping in the same socket read as data frames is answered before their handlers run', async () => {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  runtime = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: silentLogger, keepaliveIntervalMs: 0 }), logger: quiet as never }).start();
  const probe = new Probe();
  const to = runtime.spawn(probe, 'probe').toString();
  const peer = '127.0.0.1:7';
  const ws = new WebSocket(`ws://${runtime.address}${LIBPROCESS_PATH}`, { headers: { [PEER_HEADER]: peer } });
  let pongs = 0;
  ws.on('pong', () => pongs++);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const from = `x@${peer}`;
  const data = (n: number): Buffer => clientFrame(0x2, encodeFrame([{ from, to, name: 'note', body: { n } }, { from, to, name: 'note', body: { n: n + 1 } }]));
  // Two data frames, then a ping, in one write: one read on the other side.
  (ws as unknown as { _socket: Socket })._socket.write(Buffer.concat([data(1), data(3), clientFrame(0x9, Buffer.from('k'))]));
  await eventually(() => probe.answeredAt.length === 4 && pongs === 1, 'four handlers and the pong');
  expect(probe.answeredAt).toEqual([1, 1, 1, 1]);
  ws.close();
});
