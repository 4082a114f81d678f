import { describe, expect, test, afterAll } from '@jest/globals';
import { lstat, mkdir, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { realClock, VirtualClock } from 'libprocess-ts';
import { tempDir } from '../../../test/temp.js';
import { imageCommand } from '../../containerizer/isolators/docker-runtime.js';
import { parseImageConfig } from '../image-config.js';
import { parseImageGcConfig, startImageGc } from '../image-gc.js';
import { applyLayer } from '../layers.js';
import { LocalPuller } from '../local-puller.js';
import { parseManifest, pickPlatform } from '../manifest.js';
import { parseImageReference } from '../reference.js';
import { parseBearerChallenge, RegistryPuller } from '../registry-puller.js';
import { ImageStore, type PullResult, type Puller } from '../store.js';
import { readTar } from '../tar.js';
import { appLayer, busyboxLayer, busyboxMissing, configJson, digest, dockerSave, ociBlobs, ociLayout, tar } from '../image-builder.js';

const tmp = tempDir('provisioner-test');
afterAll(() => tmp.remove());
let n = 0;
async function dir(): Promise<string> {
  const d = join(tmp.path, `d${n++}`);
  await mkdir(d, { recursive: true });
  return d;
}

describe('tar reader', () => {
  test('ustar files, directories, symlinks, hard links, and pax long names', () => {
    const long = `${'a'.repeat(80)}/${'b'.repeat(80)}`;
    const entries = readTar(tar([
      { name: 'd', type: 'dir', mode: 0o750 },
      { name: 'd/f', data: 'hello', mode: 0o640, uid: 7, gid: 8 },
      { name: 'd/s', type: 'symlink', linkname: 'f' },
      { name: 'd/h', type: 'link', linkname: 'd/f' },
      { name: long, data: 'deep' },
    ]));
    expect(entries.map((e) => [e.name, e.type])).toEqual([['d', 'directory'], ['d/f', 'file'], ['d/s', 'symlink'], ['d/h', 'link'], [long, 'file']]);
    expect(entries[0]!.mode).toBe(0o750);
    expect(entries[1]!).toMatchObject({ mode: 0o640, uid: 7, gid: 8 });
    expect(entries[1]!.data.toString()).toBe('hello');
    expect(entries[2]!.linkname).toBe('f');
    expect(entries[4]!.data.toString()).toBe('deep');
  });

  test('gzip is detected; GNU long names (L) are read', () => {
    const name = `${'x'.repeat(150)}.txt`;
    const plain = tar([{ name: 'placeholder', data: 'gnu' }]);
    // Rewrite as GNU: an 'L' entry with the long name, then the file.
    const l = tar([{ name: '././@LongLink', data: `${name}\0` }]).subarray(0, 1024);
    l[156] = 'L'.charCodeAt(0);
    let sum = 0;
    l.fill(0x20, 148, 156);
    for (let i = 0; i < 512; i++) sum += l[i]!;
    l.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    const archive = Buffer.concat([l, plain]);
    const e = readTar(gzipSync(archive));
    expect(e).toHaveLength(1);
    expect(e[0]!.name).toBe(name);
    expect(e[0]!.data.toString()).toBe('gnu');
  });

  test('a corrupt or truncated archive is refused naming where', () => {
    const t = tar([{ name: 'f', data: 'x'.repeat(2000) }]);
    const bad = Buffer.from(t);
    bad[10] = 0x41;
    expect(() => readTar(bad)).toThrow(/bad header checksum at offset 0/);
    expect(() => readTar(t.subarray(0, 1024))).toThrow(/truncated archive/);
    expect(() => readTar(Buffer.from([0x1f, 0x8b, 1, 2, 3]))).toThrow(/not a valid gzip stream/);
  });
});

describe('layers', () => {
  test('layers apply in order; whiteouts remove lower files; an opaque whiteout empties a directory of lower content only', async () => {
    const root = await dir();
    await applyLayer(root, readTar(tar([
      { name: 'etc', type: 'dir' },
      { name: 'etc/keep', data: 'k' },
      { name: 'etc/gone', data: 'g' },
      { name: 'opq', type: 'dir' },
      { name: 'opq/lower', data: 'l' },
      { name: 'f', data: 'v1' },
    ])));
    await applyLayer(root, readTar(tar([
      { name: 'opq/upper', data: 'u' }, // before its opaque marker in the archive: still kept
      { name: 'opq/.wh..wh..opq' },
      { name: 'etc/.wh.gone' },
      { name: 'f', data: 'v2', mode: 0o700 },
      { name: 'l', type: 'link', linkname: 'f' },
    ])));
    expect((await readdir(join(root, 'etc'))).sort()).toEqual(['keep']);
    expect((await readdir(join(root, 'opq'))).sort()).toEqual(['upper']);
    expect(await readFile(join(root, 'f'), 'utf8')).toBe('v2');
    expect((await stat(join(root, 'f'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(root, 'l'))).ino).toBe((await stat(join(root, 'f'))).ino);
  });

  test('an entry leaving the root, or writing through a symlink, is refused', async () => {
    const root = await dir();
    await expect(applyLayer(root, readTar(tar([{ name: '../escape', data: 'x' }])))).rejects.toThrow(/leaves the root filesystem/);
    await applyLayer(root, readTar(tar([{ name: 'out', type: 'symlink', linkname: tmp.path }])));
    expect(await readlink(join(root, 'out'))).toBe(tmp.path);
    await expect(applyLayer(root, readTar(tar([{ name: 'out/pwned', data: 'x' }])))).rejects.toThrow(/goes through the symlink "\/out"/);
    await expect(applyLayer(root, readTar(tar([{ name: 'h', type: 'link', linkname: '../../etc/passwd' }])))).rejects.toThrow(/leaves the root/);
    await expect(lstat(join(tmp.path, 'pwned'))).rejects.toThrow();
  });
});

describe('references, manifests, config, docker/runtime', () => {
  test('image references are parsed and validated', () => {
    expect(parseImageReference('busybox')).toEqual({ repository: 'busybox', tag: 'latest' });
    expect(parseImageReference('127.0.0.1:5000/team/app:v2')).toEqual({ registry: '127.0.0.1:5000', repository: 'team/app', tag: 'v2' });
    const d = `sha256:${'a'.repeat(64)}`;
    expect(parseImageReference(`app@${d}`)).toEqual({ repository: 'app', digest: d });
    expect(() => parseImageReference('Bad Name')).toThrow(/bad repository component/);
    expect(() => parseImageReference('app@sha256:xyz')).toThrow(/bad digest/);
    expect(() => parseImageReference('')).toThrow(/empty/);
  });

  test('an index resolves to this platform; a missing platform is named', () => {
    const { index } = ociBlobs([tar([])]);
    const idx = parseManifest(index.toString());
    expect(idx.kind).toBe('index');
    if (idx.kind === 'index') {
      expect(pickPlatform(idx).digest).toMatch(/^sha256:/);
      expect(() => pickPlatform(idx, 's390x')).toThrow(/no manifest for linux\/s390x/);
    }
    expect(() => parseManifest('{"schemaVersion":1}')).toThrow(/schemaVersion/);
    expect(() => parseManifest('{"schemaVersion":2,"config":{"digest":"md5:x"},"layers":[]}')).toThrow(/config.digest/);
  });

  test("docker/runtime follows Mesos's Entrypoint/Cmd table", () => {
    const img = parseImageConfig(configJson({ Entrypoint: ['/e', 'x'], Cmd: ['c1', 'c2'] }).toString());
    expect(imageCommand({ shell: false }, img, 'i')).toEqual({ shell: false, value: '/e', arguments: ['/e', 'x', 'c1', 'c2'] });
    expect(imageCommand({ shell: false, arguments: ['a'] }, img, 'i')).toEqual({ shell: false, value: '/e', arguments: ['/e', 'x', 'a'] });
    const cmdOnly = parseImageConfig(configJson({ Cmd: ['/c', 'c2'] }).toString());
    expect(imageCommand({ shell: false }, cmdOnly, 'i')).toEqual({ shell: false, value: '/c', arguments: ['/c', 'c2'] });
    expect(imageCommand({ shell: false, arguments: ['a'] }, cmdOnly, 'i')).toEqual({ shell: false, value: '/c', arguments: ['/c', 'a'] });
    expect(imageCommand({ shell: true, value: 'echo' }, img, 'i')).toEqual({ shell: true, value: 'echo' });
    expect(imageCommand({ shell: false, value: '/v', arguments: ['v', '1'] }, img, 'i')).toEqual({ shell: false, value: '/v', arguments: ['v', '1'] });
    expect(() => imageCommand({ shell: false }, parseImageConfig('{}'), 'i')).toThrow(/neither Entrypoint nor Cmd/);
    expect(() => imageCommand({ shell: true }, img, 'i')).toThrow(/needs a value/);
    expect(() => parseImageConfig('{"config":{"Cmd":"x"}}')).toThrow(/Cmd must be an array/);
    expect(() => parseImageConfig('{"config":{"WorkingDir":"rel"}}')).toThrow(/not an absolute path/);
  });
});

class CountingPuller implements Puller {
  readonly describe = 'counting';
  pulls = 0;
  constructor(private readonly inner: Puller) {}
  async pull(ref: Parameters<Puller['pull']>[0], has: Parameters<Puller['pull']>[1]): Promise<PullResult> {
    this.pulls++;
    return this.inner.pull(ref, has);
  }
}

const describeBusybox = busyboxMissing() === null ? describe : describe.skip;

describeBusybox('the store', () => {
  test('docker save and OCI layout tarballs from a directory registry: provisioned once, cached, whiteouts applied', async () => {
    const registry = await dir();
    await writeFile(join(registry, 'saved:latest.tar'), dockerSave('saved:latest', [busyboxLayer(), appLayer()]));
    await mkdir(join(registry, 'team'));
    await writeFile(join(registry, 'team', 'oci.tar'), ociLayout([busyboxLayer('ID=oci\n'), appLayer()]));
    const puller = new CountingPuller(new LocalPuller(registry));
    const store = new ImageStore(await dir(), puller, () => 1);
    const [a, b] = await Promise.all([store.get('saved'), store.get('saved:latest')]);
    expect(puller.pulls).toBe(1);
    expect(a.chainId).toBe(b.chainId);
    expect(await readFile(join(a.rootfs, 'etc/os-release'), 'utf8')).toContain('ID=mesos-ts-test');
    await expect(stat(join(a.rootfs, 'etc/removed-by-whiteout'))).rejects.toThrow();
    expect(await readdir(join(a.rootfs, 'opaque'))).toEqual(['upper']);
    expect(a.config).toEqual({ entrypoint: ['/app/hello.sh'], cmd: ['from', 'cmd'], env: ['PATH=/bin', 'GREETING=hello-from-image'], workingDir: '/app' });
    await store.get('saved');
    expect(puller.pulls).toBe(1);
    await store.get('saved', { cached: false });
    expect(puller.pulls).toBe(2);
    const oci = await store.get('team/oci');
    expect(await readFile(join(oci.rootfs, 'etc/os-release'), 'utf8')).toBe('ID=oci\n');
    await expect(store.get('missing')).rejects.toThrow(/Failed to pull image missing:latest from counting: no image tarball for missing:latest \(tried missing:latest.tar/);
  });

  test('gc removes what no container uses, keeps what one does and the excluded images', async () => {
    const registry = await dir();
    await writeFile(join(registry, 'one.tar'), dockerSave('one:latest', [busyboxLayer('ID=one\n')]));
    await writeFile(join(registry, 'two.tar'), dockerSave('two:latest', [busyboxLayer('ID=two\n')]));
    await writeFile(join(registry, 'three.tar'), dockerSave('three:latest', [busyboxLayer('ID=three\n')]));
    const store = new ImageStore(await dir(), new LocalPuller(registry), () => 1);
    const one = await store.provisionFor('c1', 'one');
    const two = await store.get('two');
    const three = await store.get('three');
    const r = await store.gc(['three']);
    expect(r.images).toEqual(['two:latest']);
    expect(r.rootfses).toEqual([two.chainId]);
    expect(r.blobs).toHaveLength(1);
    expect((await stat(one.rootfs)).isDirectory()).toBe(true);
    expect((await stat(three.rootfs)).isDirectory()).toBe(true);
    await expect(stat(two.rootfs)).rejects.toThrow();
    store.release('c1');
    const r2 = await store.gc();
    expect(r2.rootfses.sort()).toEqual([one.chainId, three.chainId].sort());
    expect(await store.list()).toEqual([]);
    // Pulled again on demand.
    expect((await store.get('two')).chainId).toBe(two.chainId);
  });

  test('a layer that does not match its digest is refused', async () => {
    const layers = [busyboxLayer()];
    const b = ociBlobs(layers);
    const wrong = Buffer.from(b.manifest.toString().replace(/"size":\d+\}\]/, '"size":1}]'));
    const t = tar([{ name: 'oci-layout', data: '{}' }, { name: 'index.json', data: JSON.stringify({ schemaVersion: 2, manifests: [{ digest: digest(wrong), mediaType: 'application/vnd.oci.image.manifest.v1+json' }] }) }, { name: `blobs/sha256/${digest(wrong).slice(7)}`, data: b.manifest }]);
    const registry = await dir();
    await writeFile(join(registry, 'bad.tar'), t);
    const store = new ImageStore(await dir(), new LocalPuller(registry), () => 1);
    await expect(store.get('bad')).rejects.toThrow(/does not match its digest/);
  });
});

/** A tiny v2 registry: one repository, optional Bearer auth. */
async function registryServer(repo: string, blobs: ReturnType<typeof ociBlobs>, opts: { token?: string; corrupt?: string } = {}): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    hits.push(url);
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (url.startsWith('/token')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ token: opts.token }));
      return;
    }
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) {
      res.statusCode = 401;
      res.setHeader('www-authenticate', `Bearer realm="${origin}/token",service="test",scope="repository:${repo}:pull"`);
      res.end();
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(url);
    if (!m || m[1] !== repo) {
      res.statusCode = 404;
      res.end();
      return;
    }
    let body: Buffer | undefined;
    if (m[2] === 'manifests') {
      body = m[3] === 'latest' ? blobs.index : blobs.blobs.get(m[3]!);
      const doc = body && JSON.parse(body.toString());
      if (doc) res.setHeader('content-type', doc.mediaType);
    } else body = blobs.blobs.get(m[3]!);
    if (!body) {
      res.statusCode = 404;
      res.end();
      return;
    }
    if (opts.corrupt === m[3]) body = Buffer.concat([body.subarray(0, body.length - 1), Buffer.from('!')]);
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

describeBusybox('the registry puller', () => {
  test('pulls an OCI index → manifest → config and layers, answering a Bearer challenge; the second pull fetches no layer', async () => {
    const blobs = ociBlobs([busyboxLayer(), appLayer()]);
    const reg = await registryServer('team/app', blobs, { token: 'sekret' });
    try {
      const store = new ImageStore(await dir(), new RegistryPuller({ url: reg.url, clock: realClock }), () => 1);
      const img = await store.get(`127.0.0.1:${new URL(reg.url).port}/team/app`);
      expect(await readFile(join(img.rootfs, 'app/hello.sh'), 'utf8')).toContain('entrypoint says');
      expect(reg.hits.some((h) => h.startsWith('/token?service=test&scope=repository%3Ateam%2Fapp%3Apull'))).toBe(true);
      const layerHits = () => reg.hits.filter((h) => h.includes('/blobs/') && !h.includes(digest(configJson()))).length;
      const before = layerHits();
      await store.get(`127.0.0.1:${new URL(reg.url).port}/team/app`, { cached: false });
      expect(layerHits()).toBe(before);
    } finally {
      reg.server.close();
    }
  });

  test('a blob that does not match its digest is refused; a missing image is named', async () => {
    const layers = [busyboxLayer()];
    const blobs = ociBlobs(layers);
    const layerDigest = [...blobs.blobs.keys()][1]!;
    const reg = await registryServer('app', blobs, { corrupt: layerDigest });
    try {
      const store = new ImageStore(await dir(), new RegistryPuller({ url: reg.url, clock: realClock }), () => 1);
      await expect(store.get('app')).rejects.toThrow(/layer 0 sha256:\w+ does not match its digest/);
      await expect(store.get('other')).rejects.toThrow(/HTTP 404/);
    } finally {
      reg.server.close();
    }
  });

  test('a registry that stalls mid-body is given up on at the timeout (the injected clock), naming the URL', async () => {
    let stalled!: () => void;
    const started = new Promise<void>((r) => (stalled = r));
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json', 'content-length': '1000' });
      res.write('{"schemaVersion":');
      stalled();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const clock = new VirtualClock();
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const store = new ImageStore(await dir(), new RegistryPuller({ url, clock, timeoutMs: 10_000 }), () => 1);
      const pulled = store.get('app').then(() => new Error('pulled'), (e: Error) => e);
      await started;
      await clock.advance(10_000);
      expect((await pulled).message).toMatch(/no complete answer from http:\/\/127\.0\.0\.1:\d+\/v2\/app\/manifests\/latest within 10000 ms/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('Bearer challenges are parsed', () => {
    expect(parseBearerChallenge('Bearer realm="https://auth/token",service="reg",scope="repository:a:pull"')).toEqual({ realm: 'https://auth/token', service: 'reg', scope: 'repository:a:pull' });
    expect(parseBearerChallenge('Basic realm="x"')).toBeNull();
    expect(parseBearerChallenge(null)).toBeNull();
  });
});

describe('automatic image gc (--image_gc_config)', () => {
  test("Mesos's JSON is parsed and validated", () => {
    expect(parseImageGcConfig('{}')).toEqual({ headroom: 0.1, intervalMs: 3_600_000, excluded: [] });
    expect(parseImageGcConfig('{"image_disk_headroom":0.2,"image_disk_watch_interval":{"nanoseconds":60000000000},"excluded_images":["busybox:1.36"]}')).toEqual({ headroom: 0.2, intervalMs: 60_000, excluded: ['busybox:1.36'] });
    expect(() => parseImageGcConfig('{"image_disk_headroom":2}')).toThrow(/from 0 to 1/);
    expect(() => parseImageGcConfig('{"excluded_images":["Bad Name"]}')).toThrow(/excluded_images.*bad repository/);
    expect(() => parseImageGcConfig('{"typo":1}')).toThrow(/unknown field 'typo'/);
    expect(() => parseImageGcConfig('[')).toThrow(/not valid JSON/);
  });

  (busyboxMissing() === null ? test : test.skip)('below the headroom, what no container uses is collected; above it, nothing', async () => {
    const registry = await dir();
    await writeFile(join(registry, 'one.tar'), dockerSave('one:latest', [busyboxLayer('ID=one\n')]));
    const store = new ImageStore(await dir(), new LocalPuller(registry), () => 1);
    const one = await store.get('one');
    let free = 0.5;
    const logs: string[] = [];
    const gc = startImageGc(store, { headroom: 0.1, intervalMs: 3_600_000, excluded: [] }, realClock, (m) => logs.push(m), async () => free);
    try {
      expect(await gc.check()).toBe(false);
      expect((await stat(one.rootfs)).isDirectory()).toBe(true);
      free = 0.05;
      expect(await gc.check()).toBe(true);
      await expect(stat(one.rootfs)).rejects.toThrow();
      expect(logs[0]).toMatch(/image gc: 5\.0% free .* removed 1 image\(s\), 1 rootfs\(es\), 1 layer\(s\)/);
    } finally {
      gc.stop();
    }
  });
});
