/**
 * namespaces/pid: the command runs as pid 1 of a new pid namespace (with its
 * own /proc), through util-linux `unshare --pid --fork --kill-child --mount-proc`.
 * unshare stays the group leader on the host; when it dies its child is killed.
 */
import { execFileSync } from 'node:child_process';
import { PassiveIsolator } from './passive.js';
import type { Isolator, PrepareResult } from './isolator.js';

export function unshareUsable(): string | null {
  if (process.getuid?.() !== 0) return 'namespaces/pid needs root';
  try {
    execFileSync('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', 'true'], { stdio: 'ignore' });
    return null;
  } catch (e) {
    return `unshare --pid --fork --mount-proc failed: ${(e as Error).message}`;
  }
}

export class PidNamespaceIsolator extends PassiveIsolator implements Isolator {
  readonly name = 'namespaces/pid';
  async prepare(): Promise<PrepareResult> {
    return { wrapper: ['unshare', '--pid', '--fork', '--kill-child', '--mount-proc'] };
  }
  async recover(): Promise<void> {}
  async cleanup(): Promise<void> {}
}
