/**
 * How the agent runs the default executor (Mesos's mesos-default-executor):
 * this Node.js binary on main.js next to this file in the build. Under the
 * TypeScript sources (tests), the built file in dist/ is used.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CommandInfo, Resource, TaskGroupInfo } from '../../protocol/types.js';

/** The program of the default executor, or an error saying where it was looked for. */
export function defaultExecutorProgram(): string {
  const here = fileURLToPath(new URL('./main.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = here.replace(/\/agent\/default-executor\/main\.js$/, '/dist/agent/default-executor/main.js');
  if (existsSync(built)) return built;
  throw new Error(`the default executor is not built (looked for ${here} and ${built}; run 'make build')`);
}

/** The command a DEFAULT executor is launched with. */
export function defaultExecutorCommand(): CommandInfo {
  const program = defaultExecutorProgram();
  return { shell: false, value: process.execPath, arguments: [process.execPath, program] };
}

/** The command and the container resources of a default executor launched for `group`, or why it cannot be. */
export function defaultExecutorLaunch(group: TaskGroupInfo): { command: CommandInfo; resources: Resource[] } | Error {
  try {
    return { command: defaultExecutorCommand(), resources: group.tasks.flatMap((t) => t.resources ?? []) };
  } catch (e) {
    return e as Error;
  }
}
