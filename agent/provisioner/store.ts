/**
 * The image store (Mesos's docker store, `--docker_store_dir`): pulled
 * images, their layer blobs cached by digest, and one provisioned root
 * filesystem per layer chain, built once (layers applied in order, whiteouts
 * honoured) and shared read-only by every container of the image (each gets
 * its own writable overlay on top, see rootfs-mount.ts).
 *
 *   <store>/images/<sha256 of the reference>.json   reference, config, layer digests, chain id
 *   <store>/blobs/sha256/<hex>                      layer blobs as pulled (tar or tar+gzip)
 *   <store>/rootfses/<chain hex>/                    the applied layers
 *
 * Concurrent requests for one image pull and build it once. gc() removes what
 * no running container uses.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyDigest } from './archive.js';
import { parseImageConfig, type ImageConfig } from './image-config.js';
import { applyLayer } from './layers.js';
import { formatReference, parseImageReference, referenceKey, type ImageReference } from './reference.js';
import { readTar } from './tar.js';

/** What a puller hands the store: the config and each layer, by digest (data absent when the store has the blob). */
export interface PullResult {
  configText: string;
  layers: { digest: string; data?: Buffer }[];
}

export interface Puller {
  /** A short description for errors, e.g. `registry http://127.0.0.1:5000`. */
  readonly describe: string;
  pull(ref: ImageReference, hasBlob: (digest: string) => Promise<boolean>): Promise<PullResult>;
}

export interface StoredImage {
  reference: string;
  chainId: string;
  layers: string[];
  configText: string;
  pulledAt: number;
}

export interface ProvisionedImage {
  reference: string;
  chainId: string;
  /** The shared, read-only rootfs directory. */
  rootfs: string;
  config: ImageConfig;
  /** Layer entries that could not be created (device nodes, fifos). */
  skipped: string[];
}

export interface GcResult {
  images: string[];
  rootfses: string[];
  blobs: string[];
}

export class ImageStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageStoreError';
  }
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

function hex(digest: string): string {
  return digest.slice('sha256:'.length);
}

/** The chain id of a list of layer digests: one key for "these layers, in this order". */
export function chainId(layers: string[]): string {
  return `sha256:${createHash('sha256').update(layers.join('\n')).digest('hex')}`;
}

export class ImageStore {
  private readonly inFlight = new Map<string, Promise<ProvisionedImage>>();
  private readonly building = new Map<string, Promise<string[]>>();
  /** containerId -> chain id of the rootfs it uses. */
  private readonly users = new Map<string, string>();
  private lock: Promise<unknown> = Promise.resolve();
  private readonly pendingUsers = new Set<Promise<unknown>>();
  /** Images provisioned since the last gc, by reference: a launch of a cached image touches no file. */
  private readonly ready = new Map<string, ProvisionedImage>();
  private collecting = false;

  constructor(
    readonly dir: string,
    private readonly puller: Puller,
    private readonly now: () => number,
  ) {}

  private imagePath(ref: ImageReference): string {
    return join(this.dir, 'images', `${createHash('sha256').update(referenceKey(ref)).digest('hex')}.json`);
  }

  blobPath(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', hex(digest));
  }

  rootfsPath(chain: string): string {
    return join(this.dir, 'rootfses', hex(chain));
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await stat(this.blobPath(digest)).catch(() => null))?.isFile() === true;
  }

  /** Runs `fn` with gc() excluded (gets run concurrently with each other, never with gc). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }

  /**
   * The provisioned image for `name`: from the store, else pulled; its rootfs
   * built if missing. `cached: false` pulls again (Mesos's Image.cached).
   */
  get(name: string, opts: { cached?: boolean } = {}): Promise<ProvisionedImage> {
    const ref = parseImageReference(name);
    const known = opts.cached !== false && !this.collecting ? this.ready.get(formatReference(ref)) : undefined;
    if (known) return Promise.resolve(known);
    const key = `${formatReference(ref)}|${opts.cached === false ? 'pull' : 'cached'}`;
    let p = this.inFlight.get(key);
    if (!p) {
      p = this.lock
        .then(() => this.provision(ref, opts.cached !== false))
        .then((img) => {
          this.ready.set(formatReference(ref), img);
          return img;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }

  /** get(), and the rootfs marked as used by `containerId` before gc() can run again. */
  async provisionFor(containerId: string, name: string, opts: { cached?: boolean } = {}): Promise<ProvisionedImage> {
    const pending = this.get(name, opts).then((img) => {
      this.acquire(containerId, img.chainId);
      return img;
    });
    this.pendingUsers.add(pending);
    try {
      return await pending;
    } finally {
      this.pendingUsers.delete(pending);
    }
  }

  private async readRecord(ref: ImageReference): Promise<StoredImage | null> {
    const text = await readFile(this.imagePath(ref), 'utf8').catch(() => null);
    if (text === null) return null;
    try {
      const r = JSON.parse(text) as StoredImage;
      if (typeof r.chainId === 'string' && Array.isArray(r.layers) && r.layers.every((l) => DIGEST.test(l)) && typeof r.configText === 'string') return r;
    } catch {
      /* a torn or corrupt record: pull again */
    }
    return null;
  }

  private async provision(ref: ImageReference, cached: boolean): Promise<ProvisionedImage> {
    let rec = cached ? await this.readRecord(ref) : null;
    if (rec && !(await this.hasRootfs(rec.chainId))) {
      for (const l of rec.layers) if (!(await this.hasBlob(l))) rec = null;
    }
    if (!rec) rec = await this.pull(ref);
    const config = parseImageConfig(rec.configText);
    const skipped = await this.build(rec);
    return { reference: rec.reference, chainId: rec.chainId, rootfs: this.rootfsPath(rec.chainId), config, skipped };
  }

  private async hasRootfs(chain: string): Promise<boolean> {
    return (await stat(this.rootfsPath(chain)).catch(() => null))?.isDirectory() === true;
  }

  private async pull(ref: ImageReference): Promise<StoredImage> {
    let res: PullResult;
    try {
      res = await this.puller.pull(ref, (d) => this.hasBlob(d));
    } catch (e) {
      throw new ImageStoreError(`Failed to pull image ${formatReference(ref)} from ${this.puller.describe}: ${(e as Error).message}`);
    }
    parseImageConfig(res.configText); // refuse a bad config before storing anything
    await mkdir(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    const layers: string[] = [];
    for (const l of res.layers) {
      if (!DIGEST.test(l.digest)) throw new ImageStoreError(`bad layer digest ${JSON.stringify(l.digest)}`);
      if (l.data) {
        verifyDigest(l.data, l.digest, `layer ${l.digest}`);
        await this.atomicWrite(this.blobPath(l.digest), l.data);
      } else if (!(await this.hasBlob(l.digest))) throw new ImageStoreError(`layer ${l.digest} was neither pulled nor in the store`);
      layers.push(l.digest);
    }
    const rec: StoredImage = { reference: formatReference(ref), chainId: chainId(layers), layers, configText: res.configText, pulledAt: this.now() };
    await mkdir(join(this.dir, 'images'), { recursive: true });
    await this.atomicWrite(this.imagePath(ref), Buffer.from(JSON.stringify(rec)));
    return rec;
  }

  private async atomicWrite(path: string, data: Buffer): Promise<void> {
    const tmp = `${path}.tmp-${process.pid}-${createHash('sha256').update(String(this.now())).update(path).digest('hex').slice(0, 8)}`;
    await writeFile(tmp, data);
    await rename(tmp, path);
  }

  /** Builds the rootfs of a layer chain once; concurrent builds of one chain share the work. */
  private build(rec: StoredImage): Promise<string[]> {
    let b = this.building.get(rec.chainId);
    if (!b) {
      b = this.buildOnce(rec).finally(() => this.building.delete(rec.chainId));
      this.building.set(rec.chainId, b);
    }
    return b;
  }

  private async buildOnce(rec: StoredImage): Promise<string[]> {
    const target = this.rootfsPath(rec.chainId);
    if (await this.hasRootfs(rec.chainId)) return [];
    const tmp = `${target}.building`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true, mode: 0o755 });
    const skipped: string[] = [];
    try {
      for (const [i, digest] of rec.layers.entries()) {
        const blob = await readFile(this.blobPath(digest));
        verifyDigest(blob, digest, `stored layer ${digest}`);
        let r;
        try {
          r = await applyLayer(tmp, readTar(blob));
        } catch (e) {
          throw new ImageStoreError(`layer ${i} (${digest}) of ${rec.reference}: ${(e as Error).message}`);
        }
        skipped.push(...r.skipped);
      }
      await rename(tmp, target);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
    return skipped;
  }

  /** Marks a rootfs as used by a container (gc keeps it). */
  acquire(containerId: string, chain: string): void {
    this.users.set(containerId, chain);
  }

  release(containerId: string): void {
    this.users.delete(containerId);
  }

  /** The images in the store. */
  async list(): Promise<StoredImage[]> {
    const dir = join(this.dir, 'images');
    const names = await readdir(dir).catch(() => [] as string[]);
    const out: StoredImage[] = [];
    for (const n of names) {
      if (!n.endsWith('.json')) continue;
      const text = await readFile(join(dir, n), 'utf8').catch(() => null);
      if (text === null) continue;
      try {
        out.push(JSON.parse(text) as StoredImage);
      } catch {
        /* skipped: gc removes it */
      }
    }
    return out;
  }

  /**
   * Removes every image, rootfs and blob no running container uses, except
   * the images named in `excluded` (Mesos's image_gc_config.excluded_images).
   */
  gc(excluded: string[] = []): Promise<GcResult> {
    this.collecting = true;
    this.ready.clear();
    return this.exclusive(async () => {
      await Promise.allSettled([...this.pendingUsers]);
      const keepRefs = new Set(excluded.map((n) => formatReference(parseImageReference(n))));
      const inUse = new Set(this.users.values());
      const result: GcResult = { images: [], rootfses: [], blobs: [] };
      const keepChains = new Set(inUse);
      const keepBlobs = new Set<string>();
      const imagesDir = join(this.dir, 'images');
      for (const n of await readdir(imagesDir).catch(() => [] as string[])) {
        const path = join(imagesDir, n);
        let rec: StoredImage | null = null;
        try {
          rec = JSON.parse(await readFile(path, 'utf8')) as StoredImage;
        } catch {
          rec = null;
        }
        if (rec && (inUse.has(rec.chainId) || keepRefs.has(rec.reference))) {
          keepChains.add(rec.chainId);
          for (const l of rec.layers) keepBlobs.add(hex(l));
          continue;
        }
        await rm(path, { force: true });
        result.images.push(rec?.reference ?? n);
      }
      const rootfsDir = join(this.dir, 'rootfses');
      for (const n of await readdir(rootfsDir).catch(() => [] as string[])) {
        if (keepChains.has(`sha256:${n}`)) continue;
        await rm(join(rootfsDir, n), { recursive: true, force: true });
        result.rootfses.push(`sha256:${n}`);
      }
      const blobDir = join(this.dir, 'blobs', 'sha256');
      for (const n of await readdir(blobDir).catch(() => [] as string[])) {
        if (keepBlobs.has(n)) continue;
        await rm(join(blobDir, n), { force: true });
        result.blobs.push(`sha256:${n}`);
      }
      return result;
    }).finally(() => {
      this.collecting = false;
    });
  }
}
