// Certificates for TLS tests, made with the openssl CLI in a temp dir: a CA,
// and certificates it signed for 127.0.0.1 (usable as server and client).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Certs {
  readonly dir: string;
  readonly ca: Buffer;
  /** Signed by `ca`, SAN IP:127.0.0.1, server and client use. */
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Another one signed by `ca` (a second party). */
  readonly cert2: Buffer;
  readonly key2: Buffer;
  /** Self-signed: chains to no CA we trust. */
  readonly rogueCert: Buffer;
  readonly rogueKey: Buffer;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeCerts(): Certs {
  const dir = mkdtempSync(join(tmpdir(), 'libprocess-tls-'));
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test-ca']);
  for (const name of ['node', 'node2']) {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', 'ext.cnf']);
  }
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '2', '-subj', '/CN=rogue', '-addext', 'subjectAltName=IP:127.0.0.1']);
  const read = (f: string): Buffer => readFileSync(join(dir, f));
  return {
    dir,
    ca: read('ca.pem'),
    cert: read('node.pem'),
    key: read('node.key'),
    cert2: read('node2.pem'),
    key2: read('node2.key'),
    rogueCert: read('rogue.pem'),
    rogueKey: read('rogue.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
