/** Reads from the master (same origin) and from agents (their /state and /files answer any origin). */
import { RecordIoDecoder } from './recordio.js';
import type { MasterStateJson, ResourceMap, RoleRow } from './types.js';

export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { cache: 'no-store', ...init });
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${(await res.text()).trim()}`);
  return (await res.json()) as T;
}

/** A call of the operator API (`POST /api/v1`, JSON). */
export function operator<T>(call: object): Promise<T> {
  return getJson<T>('/api/v1', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(call) });
}

interface V1Resource {
  name: string;
  scalar?: { value: number };
}

export function scalars(list: readonly V1Resource[]): ResourceMap {
  const out: ResourceMap = { cpus: 0, gpus: 0, mem: 0, disk: 0 };
  for (const r of list) if (r.scalar !== undefined && (r.name === 'cpus' || r.name === 'gpus' || r.name === 'mem' || r.name === 'disk')) out[r.name] += r.scalar.value;
  return out;
}

type V1Quantities = Record<string, { value: number }>;
const plain = (q: V1Quantities | undefined): Record<string, number> => Object.fromEntries(Object.entries(q ?? {}).map(([k, v]) => [k, v.value]));

/** Weights and resources in use (GET_ROLES), quota (GET_QUOTA), plus the resources offered (from state). */
export async function getRoles(state: MasterStateJson): Promise<RoleRow[]> {
  const [v1, quotas] = await Promise.all([
    operator<{ get_roles: { roles?: { name: string; weight?: number; frameworks?: { value: string }[]; resources?: V1Resource[] }[] } }>({ type: 'GET_ROLES' }),
    operator<{ get_quota: { status?: { configs?: { role: string; guarantees?: V1Quantities; limits?: V1Quantities }[] } } }>({ type: 'GET_QUOTA' }),
  ]);
  const quota = new Map((quotas.get_quota.status?.configs ?? []).map((c) => [c.role, { guarantees: plain(c.guarantees), limits: plain(c.limits) }]));
  const rows = new Map<string, RoleRow>();
  for (const r of v1.get_roles.roles ?? []) {
    rows.set(r.name, { name: r.name, weight: r.weight ?? 1, frameworks: (r.frameworks ?? []).map((f) => f.value), allocated: scalars(r.resources ?? []), quota: quota.get(r.name) ?? null });
  }
  for (const f of state.frameworks) {
    for (const o of f.offers) {
      const role = o.allocation_info?.role ?? f.roles[0] ?? '*';
      const row = rows.get(role) ?? { name: role, weight: 1, frameworks: [f.id], allocated: { cpus: 0, gpus: 0, mem: 0, disk: 0 }, quota: quota.get(role) ?? null };
      const a = row.allocated;
      rows.set(role, { ...row, allocated: { cpus: a.cpus + o.resources.cpus, gpus: a.gpus + o.resources.gpus, mem: a.mem + o.resources.mem, disk: a.disk + o.resources.disk } });
    }
  }
  return [...rows.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

export interface MasterEvent {
  readonly type: string;
  readonly [field: string]: unknown;
}

/**
 * Follows the operator API's SUBSCRIBE stream: every event goes to `onEvent`;
 * when the stream ends or fails, `onStatus(false, why)` and it subscribes
 * again after `retryMs` (until `stop()`).
 */
export function subscribe(onEvent: (e: MasterEvent) => void, onStatus: (live: boolean, why?: string) => void, retryMs = 1000): { stop(): void } {
  let stopped = false;
  const controller = new AbortController();
  const run = async (): Promise<void> => {
    while (!stopped) {
      try {
        const res = await fetch('/api/v1', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ type: 'SUBSCRIBE' }),
          signal: controller.signal,
        });
        if (!res.ok || res.body === null) throw new Error(`SUBSCRIBE: ${res.status} ${(await res.text()).trim()}`);
        onStatus(true);
        const decoder = new RecordIoDecoder();
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (const record of decoder.decode(value)) onEvent(JSON.parse(record) as MasterEvent);
        }
        onStatus(false, 'the master closed the event stream');
      } catch (err) {
        if (stopped) return;
        onStatus(false, (err as Error).message);
      }
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  };
  void run();
  return {
    stop() {
      stopped = true;
      controller.abort();
    },
  };
}
