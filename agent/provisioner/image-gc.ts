/**
 * Automatic image garbage collection (Mesos's `--image_gc_config`): every
 * `image_disk_watch_interval` the store's filesystem is checked, and when its
 * free share is below `image_disk_headroom`, every image, rootfs and layer no
 * running container uses is removed (except `excluded_images`).
 */
import { statfs } from 'node:fs/promises';
import type { Clock } from 'libprocess-ts';
import { ImageReferenceError, parseImageReference } from './reference.js';
import type { ImageStore } from './store.js';

export interface ImageGcConfig {
  /** Free share of the store's filesystem below which gc runs (0..1; Mesos's default 0.1). */
  headroom: number;
  /** Milliseconds between checks (Mesos's default 1 hour). */
  intervalMs: number;
  excluded: string[];
}

/** Parses Mesos's JSON: `{"image_disk_headroom": 0.1, "image_disk_watch_interval": {"nanoseconds": ...}, "excluded_images": [...]}`. */
export function parseImageGcConfig(text: string): ImageGcConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('expected a JSON object');
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['image_disk_headroom', 'image_disk_watch_interval', 'excluded_images'].includes(k)) throw new Error(`unknown field '${k}'`);
  const headroom = o.image_disk_headroom ?? 0.1;
  if (typeof headroom !== 'number' || !(headroom >= 0 && headroom <= 1)) throw new Error("'image_disk_headroom' must be a number from 0 to 1");
  const iv = o.image_disk_watch_interval ?? { nanoseconds: 3600e9 };
  const ns = (iv as { nanoseconds?: unknown }).nanoseconds;
  if (typeof ns !== 'number' || !(ns >= 1e6)) throw new Error("'image_disk_watch_interval' must be {\"nanoseconds\": n} with n of at least 1 ms");
  const excluded = o.excluded_images ?? [];
  if (!Array.isArray(excluded) || !excluded.every((e) => typeof e === 'string')) throw new Error("'excluded_images' must be an array of image names");
  for (const e of excluded as string[]) {
    try {
      parseImageReference(e);
    } catch (err) {
      if (err instanceof ImageReferenceError) throw new Error(`'excluded_images': ${err.message}`);
      throw err;
    }
  }
  return { headroom, intervalMs: ns / 1e6, excluded: excluded as string[] };
}

/** The free share of the filesystem holding `dir` (0..1). */
export async function freeShare(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.blocks > 0 ? s.bavail / s.blocks : 1;
}

export interface ImageGc {
  /** One check now (gc when below the headroom); resolves with whether it collected. */
  check(): Promise<boolean>;
  stop(): void;
}

export function startImageGc(store: ImageStore, config: ImageGcConfig, clock: Clock, log: (m: string) => void, free: (dir: string) => Promise<number> = freeShare): ImageGc {
  let timer: { cancel(): void } | undefined;
  let stopped = false;
  const check = async (): Promise<boolean> => {
    const share = await free(store.dir).catch(() => 1);
    if (share >= config.headroom) return false;
    const r = await store.gc(config.excluded);
    log(`image gc: ${(share * 100).toFixed(1)}% free in ${store.dir} (headroom ${config.headroom * 100}%): removed ${r.images.length} image(s), ${r.rootfses.length} rootfs(es), ${r.blobs.length} layer(s)`);
    return true;
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = clock.timer(config.intervalMs, () => {
      void check()
        .catch((e: Error) => log(`image gc failed: ${e.message}`))
        .finally(schedule);
    });
  };
  schedule();
  return {
    check,
    stop: () => {
      stopped = true;
      timer?.cancel();
    },
  };
}
