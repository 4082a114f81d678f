import type { ChildProcess } from 'node:child_process';

/** SIGTERM to a child that is still running, resolved once it has exited (at once if it already has). */
export async function terminate(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
