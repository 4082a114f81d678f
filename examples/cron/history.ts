/**
 * The history of cron runs: one record per attempt, newest last, bounded;
 * optionally kept as a JSON file (rewritten atomically after each change, so a
 * reader never sees half of it).
 */
import { rename, writeFile } from 'node:fs/promises';

export interface RunRecord {
  job: string;
  /** The run's number for its job (from 1); retries keep it. */
  run: number;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  /** What started it: `schedule`, `after <parent>`, `retry`. */
  trigger: string;
  taskId: string;
  /** ISO times. */
  dueAt: string;
  launchedAt?: string;
  finishedAt?: string;
  state: 'QUEUED' | 'LAUNCHED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  /** The last task state and message. */
  taskState?: string;
  message?: string;
  agent?: string;
}

export class History {
  readonly #records: RunRecord[] = [];
  #writing: Promise<void> = Promise.resolve();

  constructor(
    readonly limit = 1000,
    readonly file?: string,
  ) {}

  add(r: RunRecord): RunRecord {
    this.#records.push(r);
    if (this.#records.length > this.limit) this.#records.splice(0, this.#records.length - this.limit);
    this.changed();
    return r;
  }

  all(): RunRecord[] {
    return this.#records.map((r) => ({ ...r }));
  }

  of(job: string): RunRecord[] {
    return this.all().filter((r) => r.job === job);
  }

  /** Call after changing a record in place; queues a rewrite of the file. */
  changed(): void {
    if (this.file === undefined) return;
    const file = this.file;
    const text = `${JSON.stringify(this.#records, null, 2)}\n`;
    this.#writing = this.#writing.then(async () => {
      await writeFile(`${file}.tmp`, text);
      await rename(`${file}.tmp`, file);
    }).catch((e: unknown) => console.error(`cron: could not write ${file}: ${(e as Error).message}`));
  }

  /** Resolves once the file has every change so far. */
  flushed(): Promise<void> {
    return this.#writing;
  }
}
