/**
 * Operator calls of the agent beyond its books (agent.proto): its logging
 * level (GET_LOGGING_LEVEL, SET_LOGGING_LEVEL: glog's verbosity, held for a
 * duration, then reverted through the clock), sandbox files (LIST_FILES,
 * READ_FILE: the paths `/files/browse` and `/files/read` take, opened the
 * same hardened way, files.ts), GET_OPERATIONS (the operations with ids the master applied here, as it sent them) and GET_RESOURCE_PROVIDERS
 * (none exist here: empty).
 */
import { lstat, readdir } from 'node:fs/promises';
import type { HttpResponse } from 'libprocess-ts';
import type { AgentCall, AgentResponse, FileInfo } from '../protocol/json/index.js';
import { encode } from '../protocol/json/index.js';
import { setLoggingLevelRequest } from '../protocol/logging.js';
import type { AgentView } from './view.js';
import { MAX_READ_LENGTH, openSandboxPath } from './files.js';
import { viaFd } from './sandbox-open.js';

const text = (status: number, message: string): HttpResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${message}\n` });

/** Calls that only read although their names do not start with GET_. */
export const READONLY_AGENT_CALLS: ReadonlySet<string> = new Set(['LIST_FILES', 'READ_FILE']);

/** The answer (or an HTTP error) to one of these calls; undefined when `call` is none of them. */
export async function agentAdminCall(agent: AgentView, call: AgentCall): Promise<AgentResponse | HttpResponse | undefined> {
  switch (call.type) {
    case 'GET_LOGGING_LEVEL':
      return { type: 'GET_LOGGING_LEVEL', get_logging_level: { level: agent.runtime.logging.level } };
    case 'SET_LOGGING_LEVEL': {
      const r = setLoggingLevelRequest(call.set_logging_level);
      if (r instanceof Error) return text(400, r.message);
      agent.runtime.logging.set(r.level, r.durationMs, agent.clock);
      agent.logger.info(`logging level set to ${r.level} for ${r.durationMs} ms`);
      return { status: 200 };
    }
    case 'LIST_FILES':
      return listFiles(agent.flags.work_dir, call.list_files?.path ?? null);
    case 'READ_FILE':
      return readFile(agent.flags.work_dir, call.read_file);
    case 'GET_OPERATIONS':
      return { type: 'GET_OPERATIONS', get_operations: { operations: agent.reservations.operations.map((o) => encode('Operation', o)) } };
    case 'GET_RESOURCE_PROVIDERS':
      return { type: 'GET_RESOURCE_PROVIDERS', get_resource_providers: { resource_providers: [] } };
    default:
      return undefined;
  }
}

const fileInfo = (path: string, s: { nlink: number; size: number; mtimeMs: number; mode: number; uid: number; gid: number }): FileInfo => ({
  path,
  nlink: s.nlink,
  size: s.size,
  mtime: { nanoseconds: Math.round(s.mtimeMs * 1e6) },
  mode: s.mode,
  uid: String(s.uid),
  gid: String(s.gid),
});

async function listFiles(workDir: string, path: string | null): Promise<AgentResponse | HttpResponse> {
  const r = await openSandboxPath(workDir, path);
  if (!r.ok) return r.response;
  try {
    const shown = path!.replace(/\/+$/, '');
    if (!r.stat.isDirectory()) return { type: 'LIST_FILES', list_files: { file_infos: [fileInfo(shown, r.stat)] } };
    const dir = viaFd(r.handle.fd);
    const infos: FileInfo[] = [];
    for (const name of (await readdir(dir)).sort()) {
      try {
        infos.push(fileInfo(`${shown}/${name}`, await lstat(`${dir}/${name}`)));
      } catch {
        // vanished meanwhile
      }
    }
    return { type: 'LIST_FILES', list_files: { file_infos: infos } };
  } finally {
    await r.handle.close();
  }
}

async function readFile(workDir: string, req: AgentCall['read_file']): Promise<AgentResponse | HttpResponse> {
  const r = await openSandboxPath(workDir, req?.path ?? null);
  if (!r.ok) return r.response;
  try {
    if (r.stat.isDirectory()) return text(400, 'Cannot read a directory');
    const size = r.stat.size;
    const offset = req!.offset;
    const want = Math.max(0, Math.min(req!.length ?? MAX_READ_LENGTH, MAX_READ_LENGTH, size - offset));
    const buf = Buffer.alloc(want);
    const { bytesRead } = want > 0 ? await r.handle.read(buf, 0, want, offset) : { bytesRead: 0 };
    return { type: 'READ_FILE', read_file: { size, data: buf.subarray(0, bytesRead) } };
  } finally {
    await r.handle.close();
  }
}
