import { readFileSync } from 'node:fs';
import { LibprocessError } from './errors.js';

/**
 * TLS for a runtime's port (HTTPS and `wss://` between runtimes), with
 * Mesos's settings. When a runtime has TLS, it serves only TLS and dials
 * every peer with `wss://`: a cluster runs TLS everywhere or nowhere.
 */
export interface TlsOptions {
  /** This runtime's certificate chain (PEM). */
  readonly cert: string | Buffer;
  /** Its private key (PEM). */
  readonly key: string | Buffer;
  /** CAs that peers' certificates must chain to (PEM); default: Node's bundled CAs. */
  readonly ca?: string | Buffer;
  /**
   * Mutual TLS: a client (a dialing runtime or an HTTP client) must present
   * a certificate that chains to `ca`, or the TLS handshake fails.
   * Mesos's LIBPROCESS_SSL_REQUIRE_CERT. Default false.
   */
  readonly requireCert?: boolean;
}

function truthy(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new LibprocessError('E_BAD_CONFIG', `${name}=${JSON.stringify(value)}: expected true or false`);
}

function pem(name: string, path: string | undefined, required: boolean): Buffer | undefined {
  if (path === undefined || path === '') {
    if (required) throw new LibprocessError('E_BAD_CONFIG', `${name} must name a PEM file when LIBPROCESS_SSL_ENABLED is set`);
    return undefined;
  }
  try {
    return readFileSync(path);
  } catch (err) {
    throw new LibprocessError('E_BAD_CONFIG', `${name}=${path}: cannot be read: ${(err as Error).message}`);
  }
}

/**
 * TLS options from Mesos's environment variables: LIBPROCESS_SSL_ENABLED,
 * LIBPROCESS_SSL_CERT_FILE, LIBPROCESS_SSL_KEY_FILE, LIBPROCESS_SSL_CA_FILE,
 * LIBPROCESS_SSL_REQUIRE_CERT. Undefined when TLS is not enabled; a bad
 * value or an unreadable file throws naming the variable.
 */
export function tlsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): TlsOptions | undefined {
  if (!truthy('LIBPROCESS_SSL_ENABLED', env['LIBPROCESS_SSL_ENABLED'])) return undefined;
  const cert = pem('LIBPROCESS_SSL_CERT_FILE', env['LIBPROCESS_SSL_CERT_FILE'], true)!;
  const key = pem('LIBPROCESS_SSL_KEY_FILE', env['LIBPROCESS_SSL_KEY_FILE'], true)!;
  const ca = pem('LIBPROCESS_SSL_CA_FILE', env['LIBPROCESS_SSL_CA_FILE'], false);
  const requireCert = truthy('LIBPROCESS_SSL_REQUIRE_CERT', env['LIBPROCESS_SSL_REQUIRE_CERT']);
  if (requireCert && ca === undefined) throw new LibprocessError('E_BAD_CONFIG', 'LIBPROCESS_SSL_REQUIRE_CERT needs LIBPROCESS_SSL_CA_FILE (the CA client certificates must chain to)');
  return { cert, key, ...(ca !== undefined ? { ca } : {}), requireCert };
}
