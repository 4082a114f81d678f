/**
 * The default launcher: `mesos-ts-launcher`, a small C program (helper/,
 * built by `make build` with the machine's C compiler into dist/bin/) that
 * the agent starts once and that forks every container's main process.
 *
 * Why: child_process.spawn forks the whole Node process, and fork costs grow
 * with the parent's memory (a 600 MB agent spawns ~38 processes/s on the
 * development machine, an empty Node process ~190/s); the helper is a few
 * hundred KB, forks outside the agent's event loop, and needs nothing but
 * libc (no perl, unlike the fork server).
 *
 * Honest outcomes: for each container the helper writes the wait status to
 * `<meta>/containers/<id>/exit.json` before it reaps the process, and it
 * outlives the agent (its own session; on EOF it keeps reaping its children
 * and exits after the last). A restarted agent reads the record and reports
 * the task's real exit status (exitRecord.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { realClock, type Clock } from 'libprocess-ts';
import { findBuiltBinary } from './binaries.js';
import { readExitRecord } from './exit-record.js';
import type { LaunchSpec } from './launcher.js';
import { encodeRLimits } from './rlimits.js';
import { requestFields, ServerLauncher } from './server-launcher.js';
import type { ExitStatus } from './types.js';

export const HELPER_NAME = 'mesos-ts-launcher';

/**
 * Where the helper binary is: $MESOS_TS_LAUNCHER, else dist/bin/ of this
 * checkout (from the compiled module, dist/agent/containerizer → dist/bin; from
 * the sources, agent/containerizer → dist/bin). undefined when not built.
 */
export function findHelper(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findBuiltBinary(HELPER_NAME, env.MESOS_TS_LAUNCHER);
}

/** One launch frame: u32 little-endian length, then NUL-terminated fields. */
export function encodeLaunch(id: number, spec: LaunchSpec): Buffer {
  // The helper sets resource limits itself (before dropping to the task's user): named in its environment.
  const { rlimits, ...rest } = spec;
  const own = rlimits?.length ? { ...rest, env: { ...rest.env, MESOS_TS_RLIMITS: encodeRLimits(rlimits) } } : rest;
  const fields = ['L', String(id), ...requestFields(own, spec.statusPath ?? '')];
  const body = Buffer.from(`${fields.join('\0')}\0`, 'utf8');
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32LE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

export class HelperLauncher extends ServerLauncher {
  constructor(
    private readonly binary: string,
    clock: Clock = realClock,
    pollMs = 200,
  ) {
    super(clock, pollMs);
  }

  protected spawnServer(): ChildProcess {
    // Detached: its own session, so it outlives the agent with the containers it watches.
    return spawn(this.binary, [], { stdio: 'pipe', detached: true });
  }

  protected sendLaunch(server: ChildProcess, id: number, spec: LaunchSpec): void {
    server.stdin!.write(encodeLaunch(id, spec));
  }

  /** The helper died: a child it wrote no record for has an unknown status; one it recorded, its own. */
  protected override async orphanEnded(statusPath: string | undefined, why: string): Promise<ExitStatus> {
    const r = statusPath ? await readExitRecord(statusPath).catch(() => undefined) : undefined;
    return r ?? { code: null, signal: null, message: `Command exit status unknown: ${why}` };
  }
}
