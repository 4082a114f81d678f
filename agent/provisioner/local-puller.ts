/**
 * `--docker_registry=/some/dir` (as in Mesos): images are tarballs in a
 * directory, `<repository>:<tag>.tar` or `<repository>.tar` (`.tar.gz` too),
 * each a `docker save` archive or an OCI image layout.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readImageArchive, sha256 } from './archive.js';
import type { ImageReference } from './reference.js';
import type { PullResult, Puller } from './store.js';

export class LocalPuller implements Puller {
  readonly describe: string;
  constructor(private readonly dir: string) {
    this.describe = `local registry ${dir}`;
  }

  /** The files tried for a reference, in order. */
  candidates(ref: ImageReference): string[] {
    const base = join(this.dir, ref.repository);
    const tag = ref.tag ?? 'latest';
    const names = [`${base}:${tag}`];
    if (tag === 'latest' || ref.digest) names.push(base);
    return names.flatMap((n) => [`${n}.tar`, `${n}.tar.gz`, `${n}.tgz`]);
  }

  async pull(ref: ImageReference): Promise<PullResult> {
    const tried = this.candidates(ref);
    for (const path of tried) {
      const buf = await readFile(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return null;
        throw e;
      });
      if (!buf) continue;
      const img = readImageArchive(buf, ref, path);
      return { configText: img.configText, layers: img.layers.map((data) => ({ digest: sha256(data), data })) };
    }
    throw new Error(`no image tarball for ${ref.repository}:${ref.tag ?? 'latest'} (tried ${tried.map((p) => p.slice(this.dir.length + 1)).join(', ')} in ${this.dir})`);
  }
}
