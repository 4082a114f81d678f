/**
 * The image's `User` (Docker's config: `name`, `uid`, `name:group`, `uid:gid`, ...), resolved in
 * the image's own /etc/passwd and /etc/group, not the host's: a name means what the image says.
 * Used by filesystem/linux with docker/runtime when the task named no user of its own
 * (CommandInfo.user): the task then runs as the image's user instead of its framework's.
 * As Docker: a numeric uid without a passwd entry runs with gid 0; a name the image does
 * not know is an error naming it.
 */
import { chown, lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerizerError } from '../types.js';

export interface ImageUser {
  uid: number;
  gid: number;
  home?: string;
}

async function table(rootfs: string, file: string): Promise<string[][]> {
  // Read on the host: a symbolic link (which could name a host file) is not followed, and counts as no table.
  const path = join(rootfs, 'etc', file);
  if (!(await lstat(path).catch(() => undefined))?.isFile()) return [];
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split(':'));
}

const numeric = (s: string): boolean => /^\d+$/.test(s);

export async function resolveImageUser(rootfs: string, spec: string, imageName: string): Promise<ImageUser> {
  const [user, group] = spec.split(':', 2) as [string, string | undefined];
  if (user === '') throw new ContainerizerError('INVALID_CONFIG', `image ${imageName}: User '${spec}' names no user`);
  const passwd = await table(rootfs, 'passwd');
  const entry = passwd.find((f) => (numeric(user) ? f[2] === user : f[0] === user));
  if (!entry && !numeric(user)) throw new ContainerizerError('INVALID_CONFIG', `image ${imageName}: its User '${user}' is not in the image's /etc/passwd`);
  const uid = Number(entry?.[2] ?? user);
  let gid = entry ? Number(entry[3]) : 0;
  if (group !== undefined && group !== '') {
    if (numeric(group)) gid = Number(group);
    else {
      const g = (await table(rootfs, 'group')).find((f) => f[0] === group);
      if (!g) throw new ContainerizerError('INVALID_CONFIG', `image ${imageName}: its User's group '${group}' is not in the image's /etc/group`);
      gid = Number(g[2]);
    }
  }
  if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(gid)) throw new ContainerizerError('INVALID_CONFIG', `image ${imageName}: User '${spec}' has bad ids in the image's /etc/passwd`);
  return { uid, gid, ...(entry?.[5] ? { home: entry[5] } : {}) };
}

/**
 * The sandbox given to the image's user: what the fetcher wrote there ran before the image was
 * provisioned, as the task's framework user (`fromUid`), so it is that user's; the task runs as
 * the image's User and must own it. Every entry of `fromUid` changes hands; symbolic links are
 * neither followed nor changed, other filesystems (a mount inside) not entered, and the top
 * `tmp` (the container's /tmp, mode 1777) left as it is.
 */
export async function giveSandboxTo(sandbox: string, fromUid: number, to: ImageUser): Promise<void> {
  const top = await lstat(sandbox);
  const walk = async (path: string, isTop: boolean): Promise<void> => {
    const s = await lstat(path).catch(() => undefined);
    if (!s || s.isSymbolicLink() || s.dev !== top.dev) return;
    if (s.uid === fromUid && (s.uid !== to.uid || s.gid !== to.gid)) await chown(path, to.uid, to.gid);
    if (!s.isDirectory()) return;
    for (const name of await readdir(path)) if (!(isTop && name === 'tmp')) await walk(join(path, name), false);
  };
  await walk(sandbox, true);
}
