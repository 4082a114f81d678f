/**
 * Pulls images from a Docker registry over the v2 HTTP API: the manifest
 * (Docker v2 schema 2 or OCI; an index or manifest list resolved to this
 * platform), the config and the layer blobs, each verified against its
 * digest. A 401 with a Bearer challenge is answered with an anonymous token
 * from the named realm, as `docker pull` does. Blobs the store already has
 * are not fetched again.
 */
import type { Clock } from 'libprocess-ts';
import { verifyDigest } from './archive.js';
import { checkLayerType, MANIFEST_ACCEPT, parseManifest, pickPlatform, type Descriptor, type Manifest } from './manifest.js';
import type { ImageReference } from './reference.js';
import type { PullResult, Puller } from './store.js';

export interface RegistryPullerOptions {
  /** e.g. `http://127.0.0.1:5000` or `https://registry-1.docker.io`. */
  url: string;
  clock: Clock;
  /** Per request (default 5 min: a layer can be large). */
  timeoutMs?: number;
  /** Largest manifest accepted (default 4 MiB). */
  maxManifestBytes?: number;
  fetch?: typeof fetch;
}

const DOCKER_HUB = 'registry-1.docker.io';

/** Parses `Bearer realm="...",service="...",scope="..."`. */
export function parseBearerChallenge(header: string | null): Record<string, string> | null {
  if (!header || !/^bearer\s/i.test(header)) return null;
  const out: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) out[m[1]!.toLowerCase()] = m[2]!;
  return out.realm ? out : null;
}

export class RegistryPuller implements Puller {
  readonly describe: string;
  private readonly base: URL;
  private readonly fetch: typeof fetch;
  private readonly tokens = new Map<string, string>();

  constructor(private readonly opts: RegistryPullerOptions) {
    this.base = new URL(opts.url);
    this.describe = `registry ${this.base.origin}`;
    this.fetch = opts.fetch ?? fetch;
  }

  /** The registry origin and repository path for a reference. */
  target(ref: ImageReference): { origin: string; repository: string } {
    const origin = ref.registry === undefined || ref.registry === this.base.host ? this.base.origin : `https://${ref.registry}`;
    const hub = new URL(origin).hostname === DOCKER_HUB;
    return { origin, repository: hub && !ref.repository.includes('/') ? `library/${ref.repository}` : ref.repository };
  }

  /** GET with the registry's Bearer token (fetched when challenged); the body read whole, within `limit` bytes and the timeout. */
  private async get(url: string, accept: string | undefined, what: string, limit: number): Promise<{ body: Buffer; headers: Headers }> {
    const origin = new URL(url).origin;
    for (let attempt = 0; attempt < 2; attempt++) {
      const headers: Record<string, string> = {};
      if (accept) headers.accept = accept;
      const token = this.tokens.get(origin);
      if (token) headers.authorization = `Bearer ${token}`;
      const r = await this.timed(url, headers, limit, what);
      if (r.status === 401 && attempt === 0) {
        const challenge = parseBearerChallenge(r.headers.get('www-authenticate'));
        if (!challenge) throw new Error(`${what}: 401 Unauthorized and no Bearer challenge to answer (private registries need credentials, which this agent does not support)`);
        this.tokens.set(origin, await this.token(challenge));
        continue;
      }
      if (r.status < 200 || r.status > 299) throw new Error(`${what}: HTTP ${r.status} ${r.statusText} from ${url}`);
      return { body: r.body, headers: r.headers };
    }
    throw new Error(`${what}: still unauthorized after answering the registry's Bearer challenge`);
  }

  /** One request, its body included, under the timeout; a non-2xx body is not kept. */
  private async timed(url: string, headers: Record<string, string>, limit: number, what: string): Promise<{ status: number; statusText: string; headers: Headers; body: Buffer }> {
    const ac = new AbortController();
    const ms = this.opts.timeoutMs ?? 300_000;
    const t = this.opts.clock.timer(ms, () => ac.abort(new Error(`no complete answer from ${url} within ${ms} ms`)));
    try {
      const res = await this.fetch(url, { headers, signal: ac.signal, redirect: 'follow' });
      if (!res.ok) {
        await res.body?.cancel();
        return { status: res.status, statusText: res.statusText, headers: res.headers, body: Buffer.alloc(0) };
      }
      const len = Number(res.headers.get('content-length') ?? NaN);
      if (Number.isFinite(len) && len > limit) {
        await res.body?.cancel();
        throw new Error(`${what} is ${len} bytes, over the limit of ${limit}`);
      }
      const body = Buffer.from(await res.arrayBuffer());
      if (body.length > limit) throw new Error(`${what} is ${body.length} bytes, over the limit of ${limit}`);
      return { status: res.status, statusText: res.statusText, headers: res.headers, body };
    } catch (e) {
      if ((e as Error).message.startsWith(what)) throw e;
      throw new Error(`GET ${url}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
    } finally {
      t.cancel();
    }
  }

  private async token(c: Record<string, string>): Promise<string> {
    const u = new URL(c.realm!);
    if (c.service) u.searchParams.set('service', c.service);
    if (c.scope) u.searchParams.set('scope', c.scope);
    const res = await this.timed(u.toString(), {}, 1024 * 1024, 'the token');
    if (res.status < 200 || res.status > 299) throw new Error(`the token service ${u.origin} answered HTTP ${res.status}`);
    let body: { token?: unknown; access_token?: unknown } | null = null;
    try {
      body = JSON.parse(res.body.toString('utf8')) as { token?: unknown; access_token?: unknown };
    } catch {
      body = null;
    }
    const tok = body?.token ?? body?.access_token;
    if (typeof tok !== 'string' || tok === '') throw new Error(`the token service ${u.origin} gave no token`);
    return tok;
  }

  private async manifest(origin: string, repo: string, reference: string, expectDigest?: string): Promise<{ doc: ReturnType<typeof parseManifest> }> {
    const url = `${origin}/v2/${repo}/manifests/${reference}`;
    const res = await this.get(url, MANIFEST_ACCEPT, `manifest ${repo}:${reference}`, this.opts.maxManifestBytes ?? 4 * 1024 * 1024);
    const body = res.body;
    if (expectDigest) verifyDigest(body, expectDigest, `manifest ${expectDigest}`);
    else {
      const header = res.headers.get('docker-content-digest');
      if (header && /^sha256:[a-f0-9]{64}$/.test(header)) verifyDigest(body, header, `manifest ${repo}:${reference} (Docker-Content-Digest)`);
    }
    return { doc: parseManifest(body.toString('utf8'), res.headers.get('content-type') ?? undefined) };
  }

  private async blob(origin: string, repo: string, d: Descriptor, what: string): Promise<Buffer> {
    const { body: buf } = await this.get(`${origin}/v2/${repo}/blobs/${d.digest}`, undefined, what, d.size ?? 2 ** 31);
    if (d.size !== undefined && buf.length !== d.size) throw new Error(`${what} has ${buf.length} bytes, its descriptor says ${d.size}`);
    return verifyDigest(buf, d.digest, what);
  }

  async pull(ref: ImageReference, hasBlob: (digest: string) => Promise<boolean>): Promise<PullResult> {
    const { origin, repository } = this.target(ref);
    let { doc } = await this.manifest(origin, repository, ref.digest ?? ref.tag ?? 'latest', ref.digest);
    let m: Manifest | undefined;
    for (let depth = 0; depth < 4 && !m; depth++) {
      if (doc.kind === 'manifest') m = doc;
      else {
        const d = pickPlatform(doc);
        ({ doc } = await this.manifest(origin, repository, d.digest, d.digest));
      }
    }
    if (!m) throw new Error('image indexes nest too deep');
    for (const l of m.layers) checkLayerType(l);
    const config = await this.blob(origin, repository, m.config, `config ${m.config.digest}`);
    const layers: PullResult['layers'] = [];
    for (const [i, l] of m.layers.entries()) {
      if (await hasBlob(l.digest)) layers.push({ digest: l.digest });
      else layers.push({ digest: l.digest, data: await this.blob(origin, repository, l, `layer ${i} ${l.digest}`) });
    }
    return { configText: config.toString('utf8'), layers };
  }
}
