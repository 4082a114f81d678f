/** Helpers for long-running CLI commands: one-line progress, clean shutdown on Ctrl-C / SIGTERM. */

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function fail(message: string, code = 1): never {
  process.stderr.write(`mesos-ts: ${message}\n`);
  process.exit(code);
}

/** Runs `stop` once on SIGINT or SIGTERM, then exits 0 (1 if stopping fails). */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    say(`received ${signal}; stopping`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`mesos-ts: stopping failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}
