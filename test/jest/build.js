// jest's global setup: `tsc -b` (incremental: well under a second when nothing changed), so the
// process tests, which run the built JavaScript under dist/, never run a stale build; and the
// agent's launcher helper and container logger (dist/bin/mesos-ts-launcher and
// mesos-ts-logrotate-logger, C programs: make builds them when stale).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function build() {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-b'], { cwd: root, stdio: 'inherit' });
  execFileSync('make', ['-s', 'dist/bin/mesos-ts-launcher', 'dist/bin/mesos-ts-logrotate-logger'], { cwd: root, stdio: 'inherit' });
}
