/**
 * Docker image references: `busybox`, `busybox:1.36`, `library/busybox`,
 * `127.0.0.1:5000/team/app:v2`, `app@sha256:<64 hex>`. Validated at the edge
 * (a task's image name is input from the network).
 */
export interface ImageReference {
  /** `host[:port]` when the name starts with one, else undefined (the configured registry). */
  registry?: string;
  /** e.g. `busybox`, `team/app`. */
  repository: string;
  /** Default `latest` unless a digest is given. */
  tag?: string;
  /** `sha256:<hex>`. */
  digest?: string;
}

export class ImageReferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageReferenceError';
  }
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseImageReference(name: string): ImageReference {
  if (typeof name !== 'string' || name.length === 0) throw new ImageReferenceError('the image name is empty');
  if (name.length > 512) throw new ImageReferenceError(`the image name is too long (${name.length} characters, at most 512)`);
  let rest = name;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ImageReferenceError(`bad digest ${JSON.stringify(digest)} in image ${JSON.stringify(name)}: expected sha256:<64 hex digits>`);
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ImageReferenceError(`bad tag ${JSON.stringify(tag)} in image ${JSON.stringify(name)}`);
  }
  const parts = rest.split('/');
  let registry: string | undefined;
  if (parts.length > 1 && (parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost')) {
    registry = parts.shift()!;
    if (!/^[A-Za-z0-9.-]+(?::[0-9]{1,5})?$/.test(registry)) throw new ImageReferenceError(`bad registry ${JSON.stringify(registry)} in image ${JSON.stringify(name)}`);
  }
  for (const p of parts) {
    if (!COMPONENT.test(p)) throw new ImageReferenceError(`bad repository component ${JSON.stringify(p)} in image ${JSON.stringify(name)}: lower-case letters, digits and . _ - separators`);
  }
  const ref: ImageReference = { repository: parts.join('/') };
  if (registry !== undefined) ref.registry = registry;
  if (tag !== undefined || digest === undefined) ref.tag = tag ?? 'latest';
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** `repository:tag` or `repository@digest` (without the registry). */
export function referenceKey(ref: ImageReference): string {
  return ref.digest ? `${ref.repository}@${ref.digest}` : `${ref.repository}:${ref.tag ?? 'latest'}`;
}

export function formatReference(ref: ImageReference): string {
  return `${ref.registry ? `${ref.registry}/` : ''}${referenceKey(ref)}`;
}
