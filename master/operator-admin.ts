/**
 * Operator calls of the master beyond the books: its logging level
 * (GET_LOGGING_LEVEL, SET_LOGGING_LEVEL: glog's verbosity, held for a
 * duration and reverted through the clock), its files (LIST_FILES,
 * READ_FILE: `/master/log` with --log_dir), GET_OPERATIONS (the offer
 * operations with ids the master tracks: books/operations.ts) and the deprecated quota calls
 * (SET_QUOTA, REMOVE_QUOTA) mapped onto the quota the master keeps. The
 * `/logging/toggle` endpoint shares the logging part (http-classic.ts).
 */
import type { HttpResponse } from 'libprocess-ts';
import { setLoggingLevelRequest } from '../protocol/logging.js';
import { parseQuotaRequest, parseRemoveQuota } from './operator-quota.js';
import type { OperatorApiHost } from './view.js';
import { encode } from '../protocol/json/index.js';
import { operationOf, type TrackedOperation } from './books/operations.js';

type Json = Record<string, unknown>;
type Denied = (action: 'set_log_level' | 'access_mesos_logs' | 'update_quotas', object: string | undefined) => HttpResponse | undefined;

const text = (status: number, message: string): HttpResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${message}\n` });
const json = (body: Json): HttpResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** GET_OPERATIONS's body: each tracked operation as v1 `Operation` (none: no `operations` field, as Mesos writes an empty repeated field). */
export function operationsJson(ops: readonly TrackedOperation[]): Json {
  if (ops.length === 0) return {};
  return {
    operations: ops.map((o) => encode('Operation', operationOf(o))),
  };
}

/** Calls that only read although their names do not start with GET_. */
export const READONLY_CALLS: ReadonlySet<string> = new Set(['LIST_FILES', 'READ_FILE']);

/** The answer to one of these calls, or undefined when `type` is none of them. */
export function adminCall(master: OperatorApiHost, type: string, call: Json, denied: Denied): HttpResponse | Promise<HttpResponse> | undefined {
  switch (type) {
    case 'GET_LOGGING_LEVEL':
      return json({ type, get_logging_level: { level: master.runtime.logging.level } });
    case 'SET_LOGGING_LEVEL': {
      const r = setLoggingLevelRequest(call['set_logging_level']);
      if (r instanceof Error) return text(400, r.message);
      const no = denied('set_log_level', undefined);
      if (no !== undefined) return no;
      master.runtime.logging.set(r.level, r.durationMs, master.clock);
      master.runtime.logger.info(`logging level set to ${r.level} for ${r.durationMs} ms`);
      return { status: 200 };
    }
    case 'LIST_FILES': {
      const path = (call['list_files'] as { path?: unknown } | undefined)?.path;
      return denied('access_mesos_logs', undefined) ?? files(master.files.list(path), (infos) => ({ type, list_files: { file_infos: infos } }));
    }
    case 'READ_FILE': {
      const r = (call['read_file'] ?? {}) as { path?: unknown; offset?: unknown; length?: unknown };
      return denied('access_mesos_logs', undefined) ?? files(master.files.read(r.path, r.offset, r.length), (v) => ({ type, read_file: { size: v.size, data: v.data.toString('base64') } }));
    }
    case 'GET_OPERATIONS':
      return json({ type, get_operations: operationsJson(master.state.operations.all()) });
    case 'SET_QUOTA': {
      const r = parseQuotaRequest((call['set_quota'] as { quota_request?: unknown } | undefined)?.quota_request, 'set_quota.quota_request', (role) => master.state.quotas.has(role));
      if (!r.ok) return text(r.status, r.message);
      const no = denied('update_quotas', r.value.role);
      if (no !== undefined) return no;
      master.operator.updateQuota(r.value.role, r.value.guarantees, r.value.limits);
      return { status: 200 };
    }
    case 'REMOVE_QUOTA': {
      const r = parseRemoveQuota((call['remove_quota'] as { role?: unknown } | undefined)?.role, 'remove_quota.role', (role) => master.state.quotas.has(role));
      if (!r.ok) return text(r.status, r.message);
      const no = denied('update_quotas', r.value);
      if (no !== undefined) return no;
      master.operator.updateQuota(r.value, {}, {});
      return { status: 200 };
    }
    default:
      return undefined;
  }
}

async function files<T>(answer: Promise<{ ok: true; value: T } | { ok: false; status: number; message: string }>, body: (v: T) => Json): Promise<HttpResponse> {
  const a = await answer;
  return a.ok ? json(body(a.value)) : text(a.status, a.message);
}
