// How the runtimes of a remote phase secure their connection: plaintext, the
// authenticated handshake (a shared secret), or TLS with client certificates.
// The parent makes a CA and a certificate for 127.0.0.1 with the openssl CLI
// and names their directory in BENCH_TLS_DIR, which the children inherit.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WsTransportOptions } from 'libprocess-ts';

export const SECURITY_MODES = ['plain', 'auth', 'tls'] as const;
export type Security = (typeof SECURITY_MODES)[number];

export function isSecurity(value: string | undefined): value is Security {
  return (SECURITY_MODES as readonly string[]).includes(value ?? '');
}

/** The transport options of a runtime in `mode`. */
export function securityOptions(mode: Security): Pick<WsTransportOptions, 'auth' | 'tls'> {
  if (mode === 'plain') return {};
  if (mode === 'auth') return { auth: { principal: 'bench', secret: 'a benchmark secret of 32 bytes..' } };
  const dir = process.env['BENCH_TLS_DIR'];
  if (dir === undefined) throw new Error('BENCH_TLS_DIR is not set: the parent makes the certificates');
  const read = (f: string): Buffer => readFileSync(join(dir, f));
  return { tls: { cert: read('node.pem'), key: read('node.key'), ca: read('ca.pem'), requireCert: true } };
}

/** Makes a CA and a certificate it signed for IP 127.0.0.1 (server and client use); returns a remover. */
export function makeBenchCerts(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'bench-actors-tls-'));
  const run = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=bench-ca']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'node.key', '-out', 'node.csr', '-subj', '/CN=bench']);
  run(['x509', '-req', '-in', 'node.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'node.pem', '-days', '1', '-extfile', 'ext.cnf']);
  process.env['BENCH_TLS_DIR'] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
