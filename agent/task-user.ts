/**
 * The user a task or executor runs as (Mesos's --switch_user): its
 * CommandInfo.user, else its FrameworkInfo.user, when the agent may switch
 * users, that is with --switch_user (default true) and running as root. An
 * agent that is not root cannot switch: its tasks run as its own user.
 * The master has already checked the user against the run_tasks ACL; a user
 * that does not exist here fails the launch naming it (containerizer).
 */
export function taskUser(switchUser: boolean, isRoot: boolean, commandUser: string | undefined, frameworkUser: string | undefined): string | undefined {
  if (!switchUser || !isRoot) return undefined;
  const user = commandUser !== undefined && commandUser !== '' ? commandUser : frameworkUser;
  return user === undefined || user === '' ? undefined : user;
}

/** Whether this process may switch users (root). */
export function runningAsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Whether a task in an image runs as the image's User (when the image has one): the task named
 * no user of its own (CommandInfo.user) and the agent may switch users.
 */
export function imageUserApplies(switchUser: boolean, isRoot: boolean, commandUser: string | undefined): boolean {
  return switchUser && isRoot && (commandUser === undefined || commandUser === '');
}
