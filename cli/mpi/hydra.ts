/**
 * MPICH's Hydra as mesos-ts mpiexec drives it, as pure functions: its command
 * line (the nodes as host tokens with their rank counts, Hydra's manual
 * launcher, each rank under a small wrapper that names it when it fails), the
 * proxy launch lines the manual launcher prints, the shell command each proxy
 * task runs (the proxy, and its ranks killed with it: Hydra's proxy puts every
 * rank in a session of its own, out of the task's process group, and ignores
 * SIGTERM), and the lines the wrapper prints.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Debian's mpich installs Hydra under this name (`mpiexec` may be another MPI's). */
export const HYDRA = 'mpiexec.hydra';

/** The executable `name` on `PATH`, or undefined. */
export function onPath(name: string, path = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The host name Hydra knows node `index` by. Not the agent's hostname: Hydra
 * runs a proxy itself, bypassing the launcher, for a name that resolves to an
 * address of this machine (`localhost`, this machine's name, 127.0.0.1), and
 * two agents may share a hostname. Proxy i is node i's.
 */
export function hostToken(index: number): string {
  return `mesos-ts-node-${index}`;
}

/** The manual launcher's line for one proxy: its id (the node's index) and its command line. */
export function parseLaunchLine(line: string): { proxyId: number; command: string } | undefined {
  const m = /^HYDRA_LAUNCH: (\S.*\S) *$/.exec(line);
  const id = m ? /(?:^| )--proxy-id (\d{1,6})(?: |$)/.exec(m[1]!) : null;
  return m && id ? { proxyId: Number(id[1]), command: m[1]! } : undefined;
}

/** The manual launcher's line after the last proxy's. */
export const LAUNCH_END = 'HYDRA_LAUNCH_END';

/** What the rank wrapper prints on stderr when the rank it ran exits non-zero. */
export const RANK_FAILED = 'mesos-ts-mpi: rank';

/**
 * Runs the rank's program as a child (not exec'd: it must see its status) and,
 * when it exits non-zero, prints which rank ($PMI_RANK, set by Hydra) and how.
 */
const WRAPPER = `"$0" "$@"; s=$?; if [ $s -ne 0 ]; then echo "${RANK_FAILED} \${PMI_RANK:-?} exited with status $s" >&2; fi; exit $s`;

export interface HydraJob {
  /** Ranks per node, in node order (node i is `hostToken(i)`). */
  readonly ranksPerNode: readonly number[];
  readonly program: string;
  readonly args: readonly string[];
  /** Hydra's -localhost: the name or address the proxies reach mpiexec at (default: this machine's hostname). */
  readonly controlHost?: string;
  /** Extra arguments for mpiexec.hydra itself, before the program. */
  readonly extra?: readonly string[];
}

/** mpiexec.hydra's arguments for `job`. */
export function hydraArgs(job: HydraJob): string[] {
  const n = job.ranksPerNode.reduce((a, b) => a + b, 0);
  return [
    '-launcher', 'manual',
    '-hosts', job.ranksPerNode.map((k, i) => `${hostToken(i)}:${k}`).join(','),
    ...(job.controlHost !== undefined ? ['-localhost', job.controlHost] : []),
    ...(job.extra ?? []),
    '-n', String(n),
    '/bin/sh', '-c', WRAPPER, job.program, ...job.args,
  ];
}

/**
 * The shell command of a proxy's task: the proxy in the background; on
 * SIGTERM (the agent killing the task) every rank's session is killed, then the
 * proxy. Otherwise the task ends with the proxy's exit status.
 */
export function proxyTaskCommand(proxyCommand: string): string {
  return [
    `${proxyCommand} &`,
    'proxy=$!',
    // dash's kill takes no `--`: -9 -<pgid> signals the group each rank leads.
    'end() { for c in $(pgrep -P $proxy); do kill -9 -$c 2>/dev/null; kill -9 $c 2>/dev/null; done; kill -9 $proxy 2>/dev/null; wait $proxy; exit 143; }',
    'trap end TERM INT HUP',
    'wait $proxy',
  ].join('\n');
}

/** A failed rank named by the wrapper's line, or undefined for any other line. */
export function parseRankFailure(line: string): { rank: number; status: number } | undefined {
  const m = /^mesos-ts-mpi: rank (\d+) exited with status (\d+)$/.exec(line.trim());
  return m ? { rank: Number(m[1]), status: Number(m[2]) } : undefined;
}
