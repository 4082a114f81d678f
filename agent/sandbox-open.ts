/**
 * Opens a path under a sandbox run directory without ever leaving it, and
 * without a check-then-open race: the walk holds an open directory handle at
 * every step and names the next component relative to it
 * (`/proc/self/fd/<fd>/<name>`, Linux's openat through procfs), each
 * component opened with O_NOFOLLOW, so a component swapped for a symbolic
 * link between a check and the open makes the open fail instead of following
 * it. Symbolic links inside the sandbox are resolved by the walk itself
 * (`readlink` relative to the held directory) and must stay inside it: an
 * absolute target elsewhere, or `..` above the run directory, is refused.
 *
 * Only directories and regular files are opened: FIFOs, sockets and devices
 * are refused from their `lstat` before any open, and the opened handle's own
 * `fstat` is checked again (O_NONBLOCK, so a FIFO swapped in meanwhile never
 * blocks the open). Linux only (procfs), like the agent's isolators.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, type FileHandle } from 'node:fs/promises';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = constants;
/** As the kernel: at most this many symbolic links in one resolution. */
const MAX_LINKS = 40;

/** `/proc/self/fd/<fd>[/<name>]`: a path relative to an open directory. */
export function viaFd(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

export type Opened =
  | { ok: true; handle: FileHandle; stat: Stats; name: string }
  | { ok: false; status: number; message: string };

function kind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file or directory';
}

const refusedKind = (shown: string, st: Stats): Opened => ({ ok: false, status: 400, message: `'${shown}' is ${kind(st)}: only regular files and directories are served` });
const outside = (shown: string): Opened => ({ ok: false, status: 403, message: `Path '${shown}' resolves outside its sandbox (through a symbolic link)` });
const missing = (shown: string): Opened => ({ ok: false, status: 404, message: `No such file or directory '${shown}'` });

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? '';
}

/**
 * Opens `components` (no `..` from the request itself; links may bring some)
 * under `root`, a real path (no symbolic link in it). `shown` is the path as
 * requested, for messages. The caller closes the handle.
 */
export async function openUnder(root: string, components: readonly string[], shown: string): Promise<Opened> {
  let rootHandle: FileHandle;
  try {
    rootHandle = await open(root, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    return code(err) === 'ENOENT' || code(err) === 'ENOTDIR' ? missing(shown) : outside(shown);
  }
  // The root as opened is the root as resolved (nothing above it was swapped meanwhile).
  const stack: FileHandle[] = [rootHandle];
  const names: string[] = [];
  const closeAll = async (keep?: FileHandle): Promise<void> => {
    await Promise.all(stack.filter((h) => h !== keep).map((h) => h.close().catch(() => {})));
  };
  try {
    if ((await readlink(viaFd(rootHandle.fd))) !== root || !(await rootHandle.stat()).isDirectory()) {
      await closeAll();
      return outside(shown);
    }
    const pending = [...components];
    let links = 0;
    while (pending.length > 0) {
      const c = pending.shift()!;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        if (stack.length === 1) {
          await closeAll();
          return outside(shown);
        }
        await stack.pop()!.close();
        names.pop();
        continue;
      }
      const dir = stack[stack.length - 1]!;
      let st: Stats;
      try {
        st = await lstat(viaFd(dir.fd, c));
      } catch (err) {
        await closeAll();
        return code(err) === 'ENOENT' || code(err) === 'ENOTDIR' ? missing(shown) : outside(shown);
      }
      if (st.isSymbolicLink()) {
        if (++links > MAX_LINKS) {
          await closeAll();
          return { ok: false, status: 400, message: `'${shown}': too many levels of symbolic links` };
        }
        let target: string;
        try {
          target = await readlink(viaFd(dir.fd, c));
        } catch (err) {
          if ((code(err) === 'EINVAL' || code(err) === 'ENOENT') && links <= MAX_LINKS) {
            pending.unshift(c); // no longer a link (or gone) since the lstat: look again
            continue;
          }
          throw err;
        }
        if (target.startsWith('/')) {
          if (target !== root && !target.startsWith(root + '/')) {
            await closeAll();
            return outside(shown);
          }
          // Absolute but inside: start again from the root.
          await Promise.all(stack.splice(1).map((h) => h.close()));
          names.length = 0;
          pending.unshift(...target.slice(root.length).split('/'));
        } else {
          pending.unshift(...target.split('/'));
        }
        continue;
      }
      if (!st.isDirectory() && !st.isFile()) {
        await closeAll();
        return refusedKind(shown, st);
      }
      let next: FileHandle;
      try {
        next = await open(viaFd(dir.fd, c), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
      } catch (err) {
        if (code(err) === 'ELOOP' && ++links <= MAX_LINKS) {
          pending.unshift(c); // became a link since the lstat: resolve it as one
          continue;
        }
        await closeAll();
        return code(err) === 'ENOENT' ? missing(shown) : code(err) === 'ENXIO' ? refusedKind(shown, st) : outside(shown);
      }
      stack.push(next);
      names.push(c);
      const opened = await next.stat();
      if (pending.some((p) => p !== '' && p !== '.') && !opened.isDirectory()) {
        await closeAll();
        return missing(shown);
      }
    }
    const handle = stack[stack.length - 1]!;
    const st = await handle.stat();
    if (!st.isDirectory() && !st.isFile()) {
      await closeAll();
      return refusedKind(shown, st);
    }
    // Belt and braces: what is open is under the root.
    const real = await readlink(viaFd(handle.fd));
    if (real !== root && !real.startsWith(root + '/')) {
      await closeAll();
      return outside(shown);
    }
    await closeAll(handle);
    return { ok: true, handle, stat: st, name: names[names.length - 1] ?? root.slice(root.lastIndexOf('/') + 1) };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
