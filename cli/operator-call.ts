/**
 * A call of the v1 operator API (`POST /api/v1`) from a command: the leader
 * found as for the other commands, the command's credential sent, and a
 * refusal turned into an error that says what the server said (with its
 * status, for a command that explains a particular refusal better). A 307 (the
 * leader changed meanwhile) is followed by hand, so the credential goes along
 * to the new address. Agents answer the same way (`mesos-ts task kill` sends
 * KILL_CONTAINER to one).
 */
import { authFetch } from './credentials.js';
import { findLeader, parseMdnsName } from './discovery.js';

export interface Where {
  readonly master?: string | undefined;
  readonly mdns_name?: string | undefined;
}

/** The leader's host:port. */
export function leaderOf(where: Where): Promise<string> {
  return findLeader(where.master, 5000, parseMdnsName(where.mdns_name));
}

/** A call answered with something other than 2xx: `status` and the server's `body`. */
export class OperatorCallError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
  }
}

/** Sends `call` to `address` (host:port); resolves with the JSON answer (undefined for an empty 200), or rejects naming the status and the server's message. */
export async function operatorCall<T = Record<string, unknown>>(address: string, call: Record<string, unknown>): Promise<T | undefined> {
  let url = `http://${address}/api/v1`;
  for (let hop = 0; ; hop++) {
    const res = await authFetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(call), signal: AbortSignal.timeout(10_000) });
    const location = res.headers.get('location');
    if (res.status === 307 && location !== null && hop < 3) {
      await res.body?.cancel();
      url = new URL(location, url).toString();
      continue;
    }
    const text = (await res.text()).trim();
    const where = new URL(url).origin;
    if (res.status === 401) throw new OperatorCallError(`${String(call['type'])}: ${where} wants credentials (--principal and --secret, or MESOS_PRINCIPAL and MESOS_SECRET): ${text}`, 401, text);
    if (!res.ok) throw new OperatorCallError(`${String(call['type'])} refused by ${where} (HTTP ${res.status}): ${text}`, res.status, text);
    return text === '' ? undefined : (JSON.parse(text) as T);
  }
}
