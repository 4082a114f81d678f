/**
 * Executor authentication tokens (Mesos's `--executor_secret_key` and
 * MESOS_EXECUTOR_AUTHENTICATION_TOKEN): a JSON Web Token signed with
 * HMAC-SHA256 under the agent's secret key, whose claims bind it to one
 * executor of one framework in one container (`fid`, `eid`, `cid`, as
 * Mesos's JWT secret generator writes them). The agent puts it in the
 * executor's environment; the executor presents it (HTTP:
 * `Authorization: Bearer <token>`; the driver: in `register`); the agent
 * accepts calls only for the executor the token names.
 *
 * The key comes from `--executor_secret_key` (a file), or is generated with
 * node:crypto once and kept in `<work_dir>/executor_secret_key` (mode 0600),
 * so executors that outlive an agent restart keep valid tokens.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ExecutorClaims {
  readonly fid: string;
  readonly eid: string;
  readonly cid: string;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');
const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

export class ExecutorTokens {
  constructor(private readonly key: Buffer) {
    if (key.length < 16) throw new Error('executor secret key: at least 16 bytes are needed');
  }

  issue(claims: ExecutorClaims): string {
    const payload = b64url(JSON.stringify({ fid: claims.fid, eid: claims.eid, cid: claims.cid }));
    return `${HEADER}.${payload}.${this.#sign(`${HEADER}.${payload}`)}`;
  }

  /** The claims of a token this agent signed, or why it is not one. */
  verify(token: string): ExecutorClaims | { readonly error: string } {
    const parts = token.split('.');
    if (parts.length !== 3) return { error: 'malformed token (expected a JWT: header.payload.signature)' };
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.#sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (header !== HEADER || given.length !== expected.length || !timingSafeEqual(given, expected)) return { error: 'the token was not issued by this agent' };
    try {
      const c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      if (typeof c['fid'] === 'string' && typeof c['eid'] === 'string' && typeof c['cid'] === 'string') return { fid: c['fid'], eid: c['eid'], cid: c['cid'] };
    } catch {
      // fall through
    }
    return { error: 'malformed token claims' };
  }

  /** Why `token` does not entitle a call for executor `eid` of framework `fid` in container `cid`, or undefined when it does. */
  refuse(token: string | undefined, expected: ExecutorClaims): { readonly status: 401 | 403; readonly error: string } | undefined {
    if (token === undefined || token === '') return { status: 401, error: 'no executor authentication token (MESOS_EXECUTOR_AUTHENTICATION_TOKEN)' };
    const claims = this.verify(token);
    if ('error' in claims) return { status: 401, error: claims.error };
    if (claims.fid !== expected.fid || claims.eid !== expected.eid || claims.cid !== expected.cid) {
      return { status: 403, error: `the token is for executor '${claims.eid}' of framework '${claims.fid}', not executor '${expected.eid}' of framework '${expected.fid}'${claims.eid === expected.eid && claims.fid === expected.fid ? ' in its current container' : ''}` };
    }
    return undefined;
  }

  #sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}

/** The token from `Authorization: Bearer <token>`, undefined when absent or another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m === null ? undefined : m[1];
}

/** The agent's key: the file `--executor_secret_key` names, or one generated once under the work dir. */
export function loadExecutorSecretKey(workDir: string, file: string | undefined): Buffer {
  if (file !== undefined) {
    let key: Buffer;
    try {
      key = readFileSync(file);
    } catch (e) {
      throw new Error(`--executor_secret_key=${file}: cannot be read: ${(e as Error).message}`);
    }
    if (key.length < 16) throw new Error(`--executor_secret_key=${file}: the key must be at least 16 bytes, found ${key.length}`);
    return key;
  }
  const path = join(workDir, 'executor_secret_key');
  try {
    return readFileSync(path);
  } catch {
    mkdirSync(workDir, { recursive: true });
    const key = randomBytes(32);
    try {
      writeFileSync(path, key, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path); // written meanwhile: that one is the key
      throw e;
    }
    chmodSync(path, 0o600);
    return key;
  }
}
