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
import { readExitRecord } from './exit-record.js';
import type { LaunchSpec } from './launcher.js';
import { mountPlanFields } from './mount-plan.js';
import { encodeRLimits } from './rlimits.js';
import { requestFields, ServerLauncher } from './server-launcher.js';
import type { ExitStatus } from './types.js';

/** One launch frame: u32 little-endian length, then NUL-terminated fields. */
export function encodeLaunch(id: number, spec: LaunchSpec): Buffer {
  // The helper sets resource limits itself (before dropping to the task's user): named in its environment.
  const { rlimits, mounts, ...rest } = spec;
  const own = rlimits?.length ? { ...rest, env: { ...rest.env, MESOS_TS_RLIMITS: encodeRLimits(rlimits) } } : rest;
  // The mounts in the forked child itself, unless a wrapper must run before them (then behind it, execArgv).
  const inChild = mounts !== undefined && !spec.wrapper?.length;
  const plan = inChild ? mountPlanFields(mounts) : [];
  const fields = ['L', String(id), ...requestFields(inChild || !mounts ? own : { ...own, mounts }, spec.statusPath ?? ''), String(plan.length), ...plan];
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
