/**
 * Image tarballs on disk: `docker save` output (manifest.json, <id>.json,
 * <layer>/layer.tar) and OCI image layouts (oci-layout, index.json,
 * blobs/sha256/...). Both resolve to an image config and its layer blobs in order;
 * every blob named by digest is checked against it.
 */
import { createHash } from 'node:crypto';
import { checkLayerType, parseManifest, pickPlatform, type Descriptor, type Manifest } from './manifest.js';
import type { ImageReference } from './reference.js';
import { readTar, type TarEntry } from './tar.js';

export interface PulledImage {
  /** The image config JSON, as stored. */
  configText: string;
  /** Layer blobs (tar, possibly gzipped), lowest first. */
  layers: Buffer[];
}

export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveError';
  }
}

export function sha256(buf: Buffer): string {
  return `sha256:${createHash('sha256').update(buf).digest('hex')}`;
}

/** Checks a blob against the digest it was asked for. */
export function verifyDigest(buf: Buffer, digest: string, what: string): Buffer {
  const got = sha256(buf);
  if (got !== digest) throw new ArchiveError(`${what} does not match its digest: expected ${digest}, got ${got}`);
  return buf;
}

function fileMap(entries: TarEntry[]): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const e of entries) if (e.type === 'file') m.set(e.name, e.data);
  return m;
}

function need(files: Map<string, Buffer>, name: string, source: string): Buffer {
  const b = files.get(name.replace(/^\.\//, ''));
  if (!b) throw new ArchiveError(`${source}: ${name} is missing from the archive`);
  return b;
}

function json(buf: Buffer, what: string): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new ArchiveError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

function tagsMatch(tags: string[], ref: ImageReference): boolean {
  const want = `${ref.repository}:${ref.tag ?? 'latest'}`;
  const short = ref.repository.replace(/^library\//, '');
  return tags.some((t) => {
    const n = t.replace(/^docker\.io\//, '');
    return n === want || n === `${short}:${ref.tag ?? 'latest'}` || n === `library/${short}:${ref.tag ?? 'latest'}` || (ref.registry !== undefined && n === `${ref.registry}/${want}`);
  });
}

function fromDockerSave(files: Map<string, Buffer>, ref: ImageReference, source: string): PulledImage {
  const doc = json(need(files, 'manifest.json', source), `${source}: manifest.json`);
  if (!Array.isArray(doc) || doc.length === 0) throw new ArchiveError(`${source}: manifest.json is not a non-empty array`);
  const items = doc as { Config?: unknown; RepoTags?: unknown; Layers?: unknown }[];
  const item = items.find((i) => Array.isArray(i.RepoTags) && tagsMatch(i.RepoTags as string[], ref)) ?? (items.length === 1 ? items[0] : undefined);
  if (!item) throw new ArchiveError(`${source}: no image tagged ${ref.repository}:${ref.tag ?? 'latest'} in it`);
  if (typeof item.Config !== 'string') throw new ArchiveError(`${source}: manifest.json's Config must be a path`);
  if (!Array.isArray(item.Layers) || !item.Layers.every((l) => typeof l === 'string')) throw new ArchiveError(`${source}: manifest.json's Layers must be an array of paths`);
  const configText = need(files, item.Config, source).toString('utf8');
  return { configText, layers: (item.Layers as string[]).map((l) => need(files, l, source)) };
}

function blob(files: Map<string, Buffer>, d: Descriptor, source: string, what: string): Buffer {
  const hex = d.digest.slice('sha256:'.length);
  return verifyDigest(need(files, `blobs/sha256/${hex}`, source), d.digest, `${source}: ${what} ${d.digest}`);
}

function fromOciLayout(files: Map<string, Buffer>, ref: ImageReference, source: string): PulledImage {
  const index = parseManifest(need(files, 'index.json', source).toString('utf8'));
  if (index.kind !== 'index') throw new ArchiveError(`${source}: index.json is not an image index`);
  const tag = ref.tag ?? 'latest';
  const byName = index.manifests.find((d) => {
    const n = d.annotations?.['org.opencontainers.image.ref.name'];
    const full = d.annotations?.['io.containerd.image.name'];
    return n === tag || n === `${ref.repository}:${tag}` || (full !== undefined && tagsMatch([full], ref));
  });
  let d: Descriptor | undefined = byName ?? (index.manifests.length === 1 ? index.manifests[0] : undefined);
  if (!d) throw new ArchiveError(`${source}: no manifest named ${tag} in index.json`);
  let m: Manifest | undefined;
  for (let depth = 0; depth < 4 && !m; depth++) {
    const doc = parseManifest(blob(files, d, source, 'manifest').toString('utf8'), d.mediaType);
    if (doc.kind === 'manifest') m = doc;
    else d = pickPlatform(doc);
  }
  if (!m) throw new ArchiveError(`${source}: indexes nest too deep`);
  for (const l of m.layers) checkLayerType(l);
  return {
    configText: blob(files, m.config, source, 'config').toString('utf8'),
    layers: m.layers.map((l, i) => blob(files, l, source, `layer ${i}`)),
  };
}

/** Reads an image out of a `docker save` or OCI-layout tarball (gzipped or not). */
export function readImageArchive(archive: Buffer, ref: ImageReference, source: string): PulledImage {
  let entries: TarEntry[];
  try {
    entries = readTar(archive);
  } catch (e) {
    throw new ArchiveError(`${source}: ${(e as Error).message}`);
  }
  const files = fileMap(entries);
  if (files.has('manifest.json')) return fromDockerSave(files, ref, source);
  if (files.has('index.json')) return fromOciLayout(files, ref, source);
  throw new ArchiveError(`${source}: neither a docker save archive (manifest.json) nor an OCI image layout (index.json)`);
}
