/**
 * The kernel's tools (ip, nft, tc) run as child processes: every failure is an
 * error naming the command line and what the tool printed.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export class ToolError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`${command}: ${stderr.trim() || 'failed'}`);
    this.name = 'ToolError';
  }
}

export function run(cmd: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new ToolError([cmd, ...args].join(' '), stderr || err.message));
      else resolve(stdout);
    });
    // A tool that ends before reading its input (a namespace gone, say) breaks the pipe: its exit status and what it
    // printed, above, are the error worth reporting, not the EPIPE.
    child.stdin!.on('error', () => {});
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** Like `run`, but a failure whose message matches `ignore` (e.g. the thing is already gone) is not one. */
export async function runIgnoring(ignore: RegExp, cmd: string, args: readonly string[]): Promise<void> {
  try {
    await run(cmd, args);
  } catch (err) {
    if (!(err instanceof ToolError) || !ignore.test(err.stderr)) throw err;
  }
}

/** Runs `cmd args` inside network namespace `netns`. */
export function inNetns(netns: string, cmd: string, args: readonly string[], input?: string): Promise<string> {
  return run('ip', ['netns', 'exec', netns, cmd, ...args], input);
}

const PATHS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** The tools a netns cluster needs that are missing from this machine. */
export function missingTools(tools: readonly string[]): string[] {
  const dirs = [...(process.env['PATH'] ?? '').split(':').filter((d) => d !== ''), ...PATHS];
  return tools.filter((t) =>
    dirs.every((d) => {
      try {
        accessSync(`${d}/${t}`, constants.X_OK);
        return false;
      } catch {
        return true;
      }
    }),
  );
}

/**
 * Why this process cannot make network namespaces, or null when it can:
 * not root, or ip(8)/nft(8) missing (`make netns-tools` installs them).
 */
export function netnsUnavailable(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return '--hosts=netns needs root: it creates network namespaces, a bridge and veth links (ip netns, ip link) and firewall rules (nft); run it as root, or use --hosts=loopback';
  }
  const missing = missingTools(['ip', 'nft']);
  if (missing.length > 0) return `--hosts=netns needs ${missing.join(' and ')} (Debian's iproute2 and nftables; \`make netns-tools\` installs them)`;
  return null;
}
