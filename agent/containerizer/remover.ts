/**
 * rm -rf off the event loop, in one trip per batch: a worker thread removes
 * the directories the agent discards (ended executors' checkpoints moved to
 * `meta/.trash`, ended containers' `meta/containers/<id>`), each with one
 * synchronous recursive removal.
 *
 * Why: node:fs/promises' recursive `rm` walks the tree with one trip to
 * libuv's thread pool per entry (readdir, lstat, unlink, rmdir: about 25 for
 * an ended command task), each trip a callback on the agent's event loop and
 * a place in the pool's queue ahead of the fsyncs that launches wait for
 * (bench-launch, issue 22). Here the paths a turn of the loop discards go to
 * the worker as one message and come back as one.
 *
 * The worker runs `removeAll` from its source text (started with `eval`), so
 * that function uses nothing but its parameters.
 */
import { Worker } from 'node:worker_threads';

interface Removed {
  readonly id: number;
  readonly error?: string;
}

/** The worker's side: removes each path of a batch (recursive, force), answers with what failed. */
function removeAll(rmSync: (path: string, o: { recursive: boolean; force: boolean }) => void, batch: { id: number; path: string }[]): Removed[] {
  return batch.map(({ id, path }) => {
    try {
      rmSync(path, { recursive: true, force: true });
      return { id };
    } catch (e) {
      return { id, error: String((e as Error).message ?? e) };
    }
  });
}

class Remover {
  #worker: Worker | undefined;
  #nextId = 1;
  #queued: { id: number; path: string }[] = [];
  readonly #waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  remove(path: string): Promise<void> {
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#queued.push({ id, path });
      // At the end of this turn: what the same handler discards next joins the same message.
      if (this.#queued.length === 1) queueMicrotask(() => this.#flush());
    });
  }

  #flush(): void {
    const batch = this.#queued;
    this.#queued = [];
    const w = this.#start();
    w.ref(); // removals are waiting: the process stays up for them
    w.postMessage(batch);
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const source = `const { parentPort } = require('node:worker_threads');
const { rmSync } = require('node:fs');
const removeAll = ${removeAll.toString()};
parentPort.on('message', (batch) => parentPort.postMessage(removeAll(rmSync, batch)));`;
    const w = new Worker(source, { eval: true, name: 'mesos-ts remover' });
    w.on('message', (r: Removed[]) => this.#answered(r));
    w.on('error', (e) => this.#lost(e));
    w.on('exit', (code) => this.#lost(new Error(`the removal thread exited (code ${code})`)));
    this.#worker = w;
    return w;
  }

  #answered(results: Removed[]): void {
    for (const r of results) {
      const w = this.#waiting.get(r.id);
      this.#waiting.delete(r.id);
      if (r.error === undefined) w?.resolve();
      else w?.reject(new Error(r.error));
    }
    if (this.#waiting.size === 0) this.#worker?.unref(); // idle: it keeps no process alive
  }

  /** The thread died (it should not): what waited on it fails; the next removal starts a new one. */
  #lost(e: Error): void {
    this.#worker = undefined;
    for (const w of this.#waiting.values()) w.reject(e);
    this.#waiting.clear();
  }
}

const remover = new Remover();

/** rm -rf of `path` on the removal thread; resolves once it is gone. */
export function removeOffLoop(path: string): Promise<void> {
  return remover.remove(path);
}
