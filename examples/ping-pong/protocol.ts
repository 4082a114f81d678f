// The vocabulary of the example, declared once: what each side receives.
export type Ponger = { ping: { n: number; sent_at_ns: string } };
export type Pinger = { pong: { n: number; sent_at_ns: string; by_os_pid: number } };
