// A jest reporter: at the end of the run, every skipped test with its reason (test/skip.ts puts
// the reason in the name: "... [skipped: no cgroups here]"), so a skip is never silent. With
// SKIPPED_TESTS_FILE set (make test does), the lines are also appended there, for make to print
// once more after the last jest run.
import { appendFileSync } from 'node:fs';

export default class SkipReporter {
  #skipped = [];

  onTestResult(_test, result) {
    for (const t of result.testResults) {
      if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo') {
        const name = `${result.testFilePath.replace(`${process.cwd()}/`, '')}: ${t.fullName}`;
        this.#skipped.push(name.includes('[skipped: ') ? name : `${name} [skipped: no reason given]`);
      }
    }
  }

  onRunComplete() {
    if (this.#skipped.length === 0) return;
    const lines = this.#skipped.map((s) => `  ${s}\n`).join('');
    process.stderr.write(`\nSkipped tests (${this.#skipped.length}):\n${lines}`);
    if (process.env.SKIPPED_TESTS_FILE) appendFileSync(process.env.SKIPPED_TESTS_FILE, lines);
  }
}
