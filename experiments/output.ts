/**
 * Where an experiment's files go: `<dir>/<name>/` with `raw.jsonl` (one JSON
 * object a line, appended as the run goes), `summary.json` and the SVG plots.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class Output {
  readonly dir: string;
  readonly #raw: string;
  #buffer: string[] = [];

  constructor(root: string, name: string) {
    this.dir = join(root, name);
    mkdirSync(this.dir, { recursive: true });
    this.#raw = join(this.dir, 'raw.jsonl');
    writeFileSync(this.#raw, '');
  }

  /** One raw record (buffered; written at `flush` or every 1,000 records). */
  raw(record: Readonly<Record<string, unknown>>): void {
    this.#buffer.push(JSON.stringify(record));
    if (this.#buffer.length >= 1000) this.flush();
  }

  flush(): void {
    if (this.#buffer.length === 0) return;
    appendFileSync(this.#raw, this.#buffer.join('\n') + '\n');
    this.#buffer = [];
  }

  file(name: string, text: string): void {
    writeFileSync(join(this.dir, name), text);
  }
}
