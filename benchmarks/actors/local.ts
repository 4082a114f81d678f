// In-process figures: the baseline is a plain array queue feeding a handler,
// which is what a mailbox drain loop costs at the least.
import { NAME, body } from './common.js';

export const LOCAL_MESSAGES = 5_000_000;

interface Msg {
  readonly to: string;
  readonly from: string;
  readonly name: string;
  readonly body: unknown;
}

/** Messages/s through an array queue: a ping handler that enqueues the next message until `total`. */
export function localBaseline(total: number): number {
  const queue: Msg[] = [];
  let head = 0;
  let count = 0;
  let sum = 0;
  const handler = (m: Msg): void => {
    sum += (m.body as { seq: number }).seq;
    count++;
    if (count < total) queue.push({ to: 'b@127.0.0.1:1', from: 'a@127.0.0.1:1', name: NAME, body: body(count) });
  };
  // Floods in windows of 1000 like the actors do.
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) queue.push({ to: 'b@127.0.0.1:1', from: 'a@127.0.0.1:1', name: NAME, body: body(i) });
  count = 999;
  while (head < queue.length) {
    handler(queue[head++]!);
    if (head > 65_536) {
      queue.splice(0, head);
      head = 0;
    }
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (sum === 0) throw new Error('unreachable');
  return (count - 999) / s;
}
