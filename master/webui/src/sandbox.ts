/** A task's sandbox on its agent, read through the agent's /state and /files endpoints. */
import { getJson } from './api.js';

interface AgentExecutor {
  id: string;
  directory: string;
  type?: string;
  tasks?: { id: string }[];
  completed_tasks?: { id: string }[];
  queued_tasks?: { id: string }[];
}
interface AgentFramework {
  id: string;
  executors?: AgentExecutor[];
  completed_executors?: AgentExecutor[];
}

export interface FileEntry {
  readonly path: string;
  readonly size: number;
  readonly mtime: number;
  readonly mode: string;
}

/** The sandbox directory of the executor that ran `taskId` of `frameworkId` on the agent at `agent` (host:port). */
export async function sandboxDirectory(agent: string, frameworkId: string, taskId: string): Promise<string> {
  const state = await getJson<{ frameworks?: AgentFramework[]; completed_frameworks?: AgentFramework[] }>(`http://${agent}/state`);
  const frameworks = [...(state.frameworks ?? []), ...(state.completed_frameworks ?? [])].filter((f) => f.id === frameworkId);
  let found: string | undefined;
  for (const f of frameworks) {
    for (const e of [...(f.completed_executors ?? []), ...(f.executors ?? [])]) {
      const ids = [...(e.tasks ?? []), ...(e.completed_tasks ?? []), ...(e.queued_tasks ?? [])].map((t) => t.id);
      // A task of a group (the default executor) has its own sandbox under the executor's.
      if (ids.includes(taskId)) found = e.type === 'DEFAULT' ? `${e.directory}/tasks/${taskId}` : e.directory;
    }
  }
  if (found === undefined) throw new Error(`agent ${agent} does not know task ${taskId} of framework ${frameworkId} (its sandbox may have been garbage collected)`);
  return found;
}

export const browse = (agent: string, path: string): Promise<FileEntry[]> => getJson<FileEntry[]>(`http://${agent}/files/browse?path=${encodeURIComponent(path)}`);

export const readChunk = (agent: string, path: string, offset: number, length: number): Promise<{ data: string; offset: number }> =>
  getJson(`http://${agent}/files/read?path=${encodeURIComponent(path)}&offset=${offset}&length=${length}`);

export const downloadUrl = (agent: string, path: string): string => `http://${agent}/files/download?path=${encodeURIComponent(path)}`;

const CHUNK = 64 * 1024;
const KEEP_CHARS = 2_000_000;

/**
 * Shows the end of a file in `pre` and follows it as it grows: reads from the
 * last 64 KiB, then every `everyMs` whatever was appended. Scrolls to the end
 * while `follow()` says so. Stop with the returned function.
 */
export function tailFile(agent: string, path: string, pre: HTMLPreElement, follow: () => boolean, onError: (message: string) => void, everyMs = 1000): () => void {
  let stopped = false;
  let timer: number | undefined;
  let at = -1;
  const encoder = new TextEncoder();
  const step = async (): Promise<void> => {
    try {
      if (at < 0) {
        const { offset: size } = await readChunk(agent, path, -1, -1);
        at = Math.max(0, size - CHUNK);
      }
      // At most 16 chunks (1 MiB) a turn, so a fast-growing file cannot keep the page busy.
      for (let i = 0; i < 16 && !stopped; i++) {
        const { data } = await readChunk(agent, path, at, CHUNK);
        if (data.length === 0) break;
        at += encoder.encode(data).length;
        pre.append(data);
        if ((pre.textContent ?? '').length > KEEP_CHARS) pre.textContent = (pre.textContent ?? '').slice(-KEEP_CHARS);
      }
      pre.dataset['offset'] = String(at);
      if (follow()) pre.scrollTop = pre.scrollHeight;
    } catch (err) {
      onError((err as Error).message);
    }
    if (!stopped) timer = window.setTimeout(() => void step(), everyMs);
  };
  void step();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
