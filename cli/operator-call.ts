/**
 * A call of the master's v1 operator API (`POST /api/v1`) from a command:
 * the leader found as for the other commands, the command's credential sent,
 * and a refusal turned into an error that says what the master said.
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

/** Sends `call`; resolves with the JSON answer (undefined for an empty 200), or rejects naming the status and the master's message. */
export async function operatorCall(leader: string, call: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  const res = await authFetch(`http://${leader}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(call), signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status === 401) throw new Error(`${String(call['type'])}: the master wants credentials (--principal and --secret, or MESOS_PRINCIPAL and MESOS_SECRET): ${text.trim()}`);
  if (!res.ok) throw new Error(`${String(call['type'])} refused by http://${leader} (HTTP ${res.status}): ${text.trim()}`);
  return text.trim() === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
}
