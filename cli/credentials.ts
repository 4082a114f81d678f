/**
 * Credentials on the command line side:
 * - `mesos-ts local` generates the cluster's (`generateClusterCredentials`):
 *   `<work_dir>/credentials.json` (mode 0600) with one principal for the
 *   cluster's own runtimes (`mesos-ts-cluster`) and one for operators and
 *   frameworks (`operator`), secrets from nanoid; `cluster.json` names the file;
 * - every other command takes `--principal`/`--secret` (MESOS_PRINCIPAL /
 *   MESOS_SECRET), else the operator credential of the cluster.json a local
 *   cluster registered for one of the masters it talks to
 *   (`<tmpdir>/mesos-ts-<uid>/clusters/<host>_<port>.json`, a pointer
 *   written by `local` and removed when it stops), so `make local`'s
 *   commands need nothing more.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option } from 'commander';
import { nanoid } from 'nanoid';
import { basicHeader } from '../protocol/auth/basic.js';
import { readCredentialsFile, type Credential } from '../protocol/credentials.js';

export const CLUSTER_PRINCIPAL = 'mesos-ts-cluster';
export const OPERATOR_PRINCIPAL = 'operator';

export interface ClusterCredentials {
  /** `<work_dir>/credentials.json`: every principal (the masters' --credentials, the agents' --http_credentials). */
  readonly file: string;
  /** `<work_dir>/cluster-credential.json`: the cluster's own principal alone (the agents' --credential). */
  readonly clusterFile: string;
  /** `<work_dir>/operator-credential.json`: the operator's alone (the test framework's --credential). */
  readonly operatorFile: string;
  readonly operator: Credential;
}

function writeSecret(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

/** Writes a new cluster's credential files under `workDir` (mode 0600). */
export function generateClusterCredentials(workDir: string): ClusterCredentials {
  const cluster: Credential = { principal: CLUSTER_PRINCIPAL, secret: nanoid(32) };
  const operator: Credential = { principal: OPERATOR_PRINCIPAL, secret: nanoid(32) };
  const out = { file: join(workDir, 'credentials.json'), clusterFile: join(workDir, 'cluster-credential.json'), operatorFile: join(workDir, 'operator-credential.json'), operator };
  writeSecret(out.file, { credentials: [cluster, operator] });
  writeSecret(out.clusterFile, cluster);
  writeSecret(out.operatorFile, operator);
  return out;
}

function registryDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join(tmpdir(), `mesos-ts-${uid}`, 'clusters');
}

const entryOf = (address: string): string => join(registryDir(), `${address.replace(/[^A-Za-z0-9.-]/g, '_')}.json`);

/** `local`: points each master's (and agent's) address at its cluster.json; returns a function that removes the pointers. */
export function registerCluster(addresses: readonly string[], clusterJson: string): () => void {
  mkdirSync(registryDir(), { recursive: true, mode: 0o700 });
  if (!trustedRegistry()) return () => {}; // someone else's or a shared directory: no pointers (commands then need --principal/--secret)
  // Pointers of clusters that are gone (a local killed with SIGKILL cannot remove its own).
  for (const name of readdirSync(registryDir())) {
    try {
      const { cluster } = JSON.parse(readFileSync(join(registryDir(), name), 'utf8')) as { cluster?: string };
      if (cluster === undefined || !existsSync(cluster)) rmSync(join(registryDir(), name), { force: true });
    } catch {
      rmSync(join(registryDir(), name), { force: true });
    }
  }
  for (const a of addresses) writeSecret(entryOf(a), { cluster: clusterJson });
  return () => {
    for (const a of addresses) rmSync(entryOf(a), { force: true });
  };
}

/** Pointers are trusted only in a directory of this user's that nobody else can write to (else someone could point us at their server). */
function trustedRegistry(): boolean {
  try {
    for (const dir of [registryDir(), join(registryDir(), '..')]) {
      const st = statSync(dir);
      if ((typeof process.getuid === 'function' && st.uid !== process.getuid()) || (st.mode & 0o022) !== 0) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** The operator credential of the local cluster serving one of `addresses`, if this user started one. */
export function localClusterCredential(addresses: readonly string[]): Credential | undefined {
  if (addresses.length === 0 || !trustedRegistry()) return undefined;
  for (const a of addresses) {
    const entry = entryOf(a);
    if (!existsSync(entry)) continue;
    try {
      const { cluster } = JSON.parse(readFileSync(entry, 'utf8')) as { cluster?: string };
      const json = JSON.parse(readFileSync(cluster!, 'utf8')) as { masters?: { url: string }[]; agents?: { url: string }[]; credentials?: { operator?: string } };
      // The cluster.json must list this master (or agent): a stale pointer to a cluster now elsewhere is ignored.
      if (![...(json.masters ?? []), ...(json.agents ?? [])].some((m) => m.url === `http://${a}`)) continue;
      const file = json.credentials?.operator;
      if (file !== undefined) return readCredentialsFile(file)[0];
    } catch {
      // a stale pointer (the cluster is gone): try the next
    }
  }
  return undefined;
}

/** The credential a command uses: --principal/--secret (or MESOS_PRINCIPAL/MESOS_SECRET), else the local cluster's. */
export function commandCredential(o: { principal?: string | undefined; secret?: string | undefined }, addresses: readonly string[]): Credential | undefined {
  if (o.principal !== undefined || o.secret !== undefined) {
    if (!o.principal || !o.secret) throw new Error('--principal and --secret go together (or MESOS_PRINCIPAL and MESOS_SECRET)');
    return { principal: o.principal, secret: o.secret };
  }
  return localClusterCredential(addresses);
}

/** Headers for an HTTP request made with `credential`. */
export function authHeaders(credential: Credential | undefined): Record<string, string> {
  return credential === undefined ? {} : { authorization: basicHeader(credential.principal, credential.secret) };
}

// ---------------------------------------------------------------- HTTP calls of one command

let given: Credential | undefined;
let found: Credential | undefined;

/** Options `--principal` / `--secret` (MESOS_PRINCIPAL / MESOS_SECRET) for a command that calls the cluster over HTTP. */
export function credentialOptions(): Option[] {
  return [
    new Option('--principal <principal>', 'authenticate as this principal (default: the operator of the local cluster that cluster.json describes)').env('MESOS_PRINCIPAL'),
    new Option('--secret <secret>', "the principal's secret").env('MESOS_SECRET'),
  ];
}

/** The credential this command was given (a command action calls this first). */
export function useCredential(o: { principal?: string | undefined; secret?: string | undefined }): void {
  given = commandCredential(o, []);
}

/**
 * fetch with the command's credential: the one given, else the local
 * cluster's found for this address (kept for the agents it then calls: the
 * agents of a local cluster take the same credentials).
 */
export function authFetch(url: string, init: RequestInit = {}): Promise<Response> {
  let credential = given ?? found;
  if (credential === undefined) {
    credential = localClusterCredential([new URL(url).host]);
    found = credential;
  }
  return fetch(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), ...authHeaders(credential) } });
}
