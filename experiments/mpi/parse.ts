/**
 * The figures the MPI programs print (examples/mpi), as pure functions: each
 * returns undefined when the output does not hold what it should (a run
 * that failed), so that a round is never counted on half an answer.
 */
export interface PingPong {
  /** One-way latency (µs) of 8-byte messages, and bandwidth (MB/s) of 1 MiB ones, blocking and not. */
  readonly latencyUs: { readonly blocking: number; readonly nonblocking: number };
  readonly bandwidthMBs: { readonly blocking: number; readonly nonblocking: number };
}

const num = (s: string | undefined): number | undefined => (s === undefined || !Number.isFinite(Number(s)) ? undefined : Number(s));

/** is: the sorting time (s), only when verified. */
export function parseIs(out: string): { seconds: number; keys: number } | undefined {
  if (!/^is: verification SUCCESSFUL$/m.test(out)) return undefined;
  const t = num(/^is: time ([\d.]+) s/m.exec(out)?.[1]);
  const keys = num(/^is: ranks \d+ keys (\d+)/m.exec(out)?.[1]);
  return t === undefined || keys === undefined ? undefined : { seconds: t, keys };
}

export function parsePingPong(out: string): PingPong | undefined {
  const row = (mode: string, bytes: number): { us: number; mbs: number } | undefined => {
    const m = new RegExp(`^pingpong: ${mode} ${bytes} ([\\d.]+) ([\\d.]+)$`, 'm').exec(out);
    return m ? { us: Number(m[1]), mbs: Number(m[2]) } : undefined;
  };
  const lb = row('blocking', 8), ln = row('nonblocking', 8), bb = row('blocking', 1 << 20), bn = row('nonblocking', 1 << 20);
  if (!lb || !ln || !bb || !bn) return undefined;
  return { latencyUs: { blocking: lb.us, nonblocking: ln.us }, bandwidthMBs: { blocking: bb.mbs, nonblocking: bn.mbs } };
}

/** collectives: mean µs of a barrier, an allreduce of 1 double and of 1024, only when the sums were right. */
export function parseCollectives(out: string): { barrierUs: number; allreduce1Us: number; allreduce1kUs: number } | undefined {
  const m = /^collectives: ranks \d+ sum \d+ barrier ([\d.]+) allreduce1 ([\d.]+) allreduce1k ([\d.]+) ok$/m.exec(out);
  return m ? { barrierUs: Number(m[1]), allreduce1Us: Number(m[2]), allreduce1kUs: Number(m[3]) } : undefined;
}

/** hello: the wall-clock time (ms since the epoch) when every rank was running, when the sum was right. */
export function parseHello(out: string, ranks: number): number | undefined {
  const m = /^hello: ranks (\d+) sum (\d+) running_at_ms ([\d.]+)$/m.exec(out);
  if (!m || Number(m[1]) !== ranks || Number(m[2]) !== (ranks * (ranks - 1)) / 2) return undefined;
  return Number(m[3]);
}

/** mesos-ts mpiexec's last line (stderr): its own timings, ms from submission (the CLI started and its flags read). */
export function parseJobTimings(err: string): { gathered: number; running: number; ended: number } | undefined {
  const m = /^mesos-ts mpiexec: exit status 0 \(timings, ms from submission: (\{.*\})\)$/m.exec(err);
  if (!m) return undefined;
  const t = JSON.parse(m[1]!) as Record<string, unknown>;
  const n = (k: string): number | undefined => (typeof t[k] === 'number' ? t[k] : undefined);
  const gathered = n('gathered'), running = n('running'), ended = n('ended');
  return gathered === undefined || running === undefined || ended === undefined ? undefined : { gathered, running, ended };
}
