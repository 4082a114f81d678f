/**
 * Builds small images (the image tests' and bench-launch's): a ustar writer (pax records for
 * long names), layers from Debian's busybox-static, and the image as a `docker save` tarball,
 * an OCI image layout tarball, or the blobs a registry serves.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export interface TestEntry {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'link' | 'char';
  data?: Buffer | string;
  mode?: number;
  linkname?: string;
  uid?: number;
  gid?: number;
}

function header(name: string, size: number, flag: string, mode: number, linkname: string, uid: number, gid: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write(`${mode.toString(8).padStart(7, '0')}\0`, 100);
  h.write(`${uid.toString(8).padStart(7, '0')}\0`, 108);
  h.write(`${gid.toString(8).padStart(7, '0')}\0`, 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write(`${(1700000000).toString(8).padStart(11, '0')}\0`, 136);
  h.write('        ', 148);
  h.write(flag, 156);
  h.write(linkname.slice(0, 100), 157, 'utf8');
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

function pad(b: Buffer): Buffer {
  const rest = b.length % 512;
  return rest === 0 ? b : Buffer.concat([b, Buffer.alloc(512 - rest)]);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return `${len}${body}`;
}

/** A tar archive of the entries (pax headers for names or link targets over 100 bytes). */
export function tar(entries: TestEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = type === 'file' ? Buffer.from(e.data ?? '') : Buffer.alloc(0);
    const flag = { file: '0', dir: '5', symlink: '2', link: '1', char: '3' }[type];
    const linkname = e.linkname ?? '';
    if (e.name.length > 100 || linkname.length > 100) {
      const pax = Buffer.from(paxRecord('path', e.name) + (linkname.length > 100 ? paxRecord('linkpath', linkname) : ''));
      parts.push(header('PaxHeader', pax.length, 'x', 0o644, '', 0, 0), pad(pax));
    }
    const mode = e.mode ?? (type === 'dir' ? 0o755 : 0o644);
    parts.push(header(type === 'dir' ? `${e.name}/` : e.name, data.length, flag, mode, linkname, e.uid ?? 0, e.gid ?? 0), pad(data));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function digest(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

export const BUSYBOX = '/bin/busybox';

/** Why busybox images cannot be built here, or null. */
export function busyboxMissing(): string | null {
  return existsSync(BUSYBOX) ? null : `${BUSYBOX} is missing (Debian's busybox-static; make test installs it)`;
}

const APPLETS = ['sh', 'cat', 'echo', 'ls', 'env', 'pwd', 'id', 'mkdir', 'rm', 'touch', 'test', 'true', 'false', 'sleep', 'grep', 'wc', 'stat', 'mount'];

/** The base layer: busybox, its applets, /etc/os-release of the test image. */
export function busyboxLayer(osRelease = 'NAME="mesos-ts test image"\nID=mesos-ts-test\n'): Buffer {
  return tar([
    { name: 'bin', type: 'dir' },
    { name: 'bin/busybox', data: readFileSync(BUSYBOX), mode: 0o755 },
    ...APPLETS.map((a): TestEntry => ({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox' })),
    { name: 'etc', type: 'dir' },
    { name: 'etc/os-release', data: osRelease },
    { name: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' },
    { name: 'etc/removed-by-whiteout', data: 'you should not see me\n' },
    { name: 'opaque', type: 'dir' },
    { name: 'opaque/lower-only', data: 'hidden by the opaque whiteout\n' },
    { name: 'app', type: 'dir' },
  ]);
}

/** A second layer: whiteouts over the base, and the app's files. */
export function appLayer(): Buffer {
  return tar([
    { name: 'etc/.wh.removed-by-whiteout' },
    { name: 'opaque/.wh..wh..opq' },
    { name: 'opaque/upper', data: 'from the upper layer\n' },
    { name: 'app/hello.sh', data: '#!/bin/sh\necho "entrypoint says: $GREETING $*"\n', mode: 0o755 },
  ]);
}

export interface TestImageConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
}

export const DEFAULT_CONFIG: TestImageConfig = {
  Entrypoint: ['/app/hello.sh'],
  Cmd: ['from', 'cmd'],
  Env: ['PATH=/bin', 'GREETING=hello-from-image'],
  WorkingDir: '/app',
};

export function configJson(config: TestImageConfig = DEFAULT_CONFIG): Buffer {
  return Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: [] } }));
}

/** A `docker save` tarball of the layers (uncompressed, as docker writes them). */
export function dockerSave(repoTag: string, layers: Buffer[], config = configJson()): Buffer {
  const cfgName = `${digest(config).slice(7)}.json`;
  const layerNames = layers.map((l) => `${digest(l).slice(7)}/layer.tar`);
  return tar([
    { name: cfgName, data: config },
    ...layers.flatMap((l, i): TestEntry[] => [{ name: layerNames[i]!.split('/')[0]!, type: 'dir' }, { name: layerNames[i]!, data: l }]),
    { name: 'manifest.json', data: JSON.stringify([{ Config: cfgName, RepoTags: [repoTag], Layers: layerNames }]) },
  ]);
}

export interface Blobs {
  manifest: Buffer;
  index: Buffer;
  blobs: Map<string, Buffer>;
}

/** The OCI blobs of an image (gzipped layers), its manifest and a one-entry index. */
export function ociBlobs(layers: Buffer[], config = configJson()): Blobs {
  const blobs = new Map<string, Buffer>();
  const gz = layers.map((l) => gzipSync(l));
  for (const b of [config, ...gz]) blobs.set(digest(b), b);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(config), size: config.length },
      layers: gz.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digest(l), size: l.length })),
    }),
  );
  blobs.set(digest(manifest), manifest);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest(manifest), size: manifest.length, platform: { os: 'linux', architecture: process.arch === 'x64' ? 'amd64' : process.arch }, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
    }),
  );
  return { manifest, index, blobs };
}

/** An OCI image layout tarball. */
export function ociLayout(layers: Buffer[], config = configJson()): Buffer {
  const b = ociBlobs(layers, config);
  return tar([
    { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', data: b.index },
    { name: 'blobs', type: 'dir' },
    { name: 'blobs/sha256', type: 'dir' },
    ...[...b.blobs].map(([d, data]): TestEntry => ({ name: `blobs/sha256/${d.slice(7)}`, data })),
  ]);
}
