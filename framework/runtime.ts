/**
 * A runtime of a driver's own whose connections authenticate as the
 * framework's (or executor's) principal: on LIBPROCESS_IP / LIBPROCESS_PORT
 * (default 127.0.0.1 and a free port), with TLS from LIBPROCESS_SSL_*.
 * It requires its peers to prove the same secret: a master that holds the
 * framework's credential, never a stranger claiming the master's address.
 */
import { Runtime, WsTransport, defaultRuntimeOptions, realClock } from 'libprocess-ts';

export async function authenticatedRuntime(
  credential: { readonly principal: string; readonly secret: string },
  name: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Runtime> {
  const options = defaultRuntimeOptions(env as NodeJS.ProcessEnv);
  const transport = new WsTransport({ ...options, clock: realClock, auth: { principal: credential.principal, secret: credential.secret } });
  return new Runtime({ transport, clock: realClock, name }).start();
}
