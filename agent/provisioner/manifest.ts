/**
 * Image manifests and indexes, Docker v2 schema 2 and OCI, as JSON from a
 * registry or an OCI-layout tarball: validated, and an index resolved to the
 * manifest of this machine's platform.
 */
export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { architecture?: string; os?: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface Manifest {
  kind: 'manifest';
  config: Descriptor;
  layers: Descriptor[];
}

export interface Index {
  kind: 'index';
  manifests: Descriptor[];
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

function descriptor(v: unknown, where: string): Descriptor {
  if (typeof v !== 'object' || v === null) throw new ManifestError(`${where} is not an object`);
  const d = v as Record<string, unknown>;
  if (typeof d.digest !== 'string' || !DIGEST.test(d.digest)) throw new ManifestError(`${where}.digest must be sha256:<64 hex digits>, got ${JSON.stringify(d.digest)}`);
  if (d.size !== undefined && (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0)) throw new ManifestError(`${where}.size must be a non-negative integer`);
  if (d.mediaType !== undefined && typeof d.mediaType !== 'string') throw new ManifestError(`${where}.mediaType must be a string`);
  return d as unknown as Descriptor;
}

/** Parses a manifest or an index (the media type from the document, else from the transport). */
export function parseManifest(text: string, contentType?: string): Manifest | Index {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ManifestError(`the manifest is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null) throw new ManifestError('the manifest is not a JSON object');
  const m = doc as Record<string, unknown>;
  const type = (typeof m.mediaType === 'string' ? m.mediaType : undefined) ?? contentType?.split(';')[0]?.trim();
  if (m.schemaVersion !== 2) throw new ManifestError(`unsupported manifest schemaVersion ${JSON.stringify(m.schemaVersion)} (v2 schema 2 and OCI are supported)`);
  if (Array.isArray(m.manifests) || type === MEDIA.ociIndex || type === MEDIA.dockerList) {
    if (!Array.isArray(m.manifests)) throw new ManifestError("the index has no 'manifests' array");
    return { kind: 'index', manifests: m.manifests.map((d, i) => descriptor(d, `manifests[${i}]`)) };
  }
  if (!Array.isArray(m.layers)) throw new ManifestError("the manifest has no 'layers' array");
  return { kind: 'manifest', config: descriptor(m.config, 'config'), layers: m.layers.map((d, i) => descriptor(d, `layers[${i}]`)) };
}

/** Node's arch to the OCI name. */
export function ociArch(arch: string = process.arch): string {
  return arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch;
}

/** The entry of an index for linux on this architecture (or the only one without a platform). */
export function pickPlatform(index: Index, arch = ociArch()): Descriptor {
  const candidates = index.manifests.filter((d) => d.mediaType !== 'application/vnd.in-toto+json' && d.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest');
  const match = candidates.find((d) => (d.platform?.os ?? 'linux') === 'linux' && (d.platform?.architecture ?? arch) === arch);
  if (!match) {
    const have = candidates.map((d) => `${d.platform?.os ?? '?'}/${d.platform?.architecture ?? '?'}`).join(', ') || 'none';
    throw new ManifestError(`the image has no manifest for linux/${arch} (it has: ${have})`);
  }
  return match;
}

/** Refuses layer media types we cannot unpack (zstd, foreign/non-distributable layers). */
export function checkLayerType(d: Descriptor): void {
  const t = d.mediaType;
  if (t === undefined) return;
  if (t.includes('zstd')) throw new ManifestError(`layer ${d.digest} is zstd-compressed (${t}); only tar and tar+gzip layers are supported`);
  if (t.includes('foreign') || t.includes('nondistributable')) throw new ManifestError(`layer ${d.digest} is a foreign layer (${t}) that cannot be fetched from the registry`);
}
