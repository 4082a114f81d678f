/**
 * The v1 operator API from the command line: the options every cluster
 * command shares (--master, --mdns_name, --principal, --secret), the leading
 * master found as `findLeader` does (any master of the list, its 307 or its
 * state naming the leader), and calls POSTed to `/api/v1` of the leader or of
 * an agent with the command's credential. A 307 (the leader changed meanwhile)
 * is followed by hand, so the credential goes along to the new address.
 * Errors name the call, the address and the server's own message.
 */
import { Command, Option } from 'commander';
import { authFetch, credentialOptions, useCredential } from './credentials.js';
import { findLeader, mdnsNameOption, parseMdnsName } from './discovery.js';

export interface ClusterOptions {
  master?: string;
  mdns_name?: string;
  principal?: string;
  secret?: string;
}

/** Adds --master, --mdns_name, --principal and --secret to `command`. */
export function withClusterOptions(command: Command): Command {
  const [principal, secret] = credentialOptions();
  return command
    .addOption(new Option('--master <host:port,...|mdns>', 'where the masters are: any of them, the leader is found (default: found over mDNS)').env('MESOS_MASTER'))
    .addOption(mdnsNameOption())
    .addOption(principal!)
    .addOption(secret!);
}

/** The leading master's `host:port`, with the command's credential in use. */
export async function leaderOf(o: ClusterOptions): Promise<string> {
  useCredential(o);
  return findLeader(o.master, 5000, parseMdnsName(o.mdns_name));
}

/** An answer other than 2xx: the status and the server's message. */
export class OperatorError extends Error {
  constructor(
    readonly status: number,
    readonly serverMessage: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status}${serverMessage ? `: ${serverMessage}` : ''}`);
  }
}

/**
 * POSTs `call` to `http://<address>/api/v1` and returns the parsed answer
 * (undefined for an empty 200). Follows up to 3 redirects (a master that no
 * longer leads names the one that does).
 */
export async function operatorCall<T = unknown>(address: string, call: { type: string } & Record<string, unknown>): Promise<T | undefined> {
  let url = `http://${address}/api/v1`;
  for (let hop = 0; ; hop++) {
    const res = await authFetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(call),
      signal: AbortSignal.timeout(10_000),
    });
    const location = res.headers.get('location');
    if ((res.status === 307 || res.status === 302) && location !== null && hop < 3) {
      await res.body?.cancel();
      url = new URL(location, url).toString();
      continue;
    }
    const body = await res.text();
    if (!res.ok) throw new OperatorError(res.status, body.trim(), `${call.type} at ${new URL(url).host}`);
    return body.trim() === '' ? undefined : (JSON.parse(body) as T);
  }
}
