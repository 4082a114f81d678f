/**
 * A benchmark's built program (dist/benchmarks/...) as a child process: the
 * experiments that measure real processes reuse the benchmarks rather than
 * copy them. Every line it prints goes to `line`; resolves when it exits 0.
 * Its stderr (the processes' logs) is kept and shown only if it fails.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** `benchmarks/offers/main.js` → its path under dist/ (from here under dist/, or from the sources when tests run them). */
export function builtBenchmark(path: string): string {
  return fileURLToPath(new URL(`${import.meta.url.includes('/dist/') ? '../' : '../dist/'}${path}`, import.meta.url));
}

export function runBenchmark(path: string, args: readonly string[], line: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtBenchmark(path), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    let errors: string[] = [];
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      errors.push(chunk);
      if (errors.length > 200) errors = errors.slice(-100);
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const l of lines) line(l);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (buffered !== '') line(buffered);
      if (code === 0) resolve();
      else reject(new Error(`${path} exited with ${signal ?? code}; the end of its stderr:\n${errors.join('').split('\n').slice(-20).join('\n')}`));
    });
  });
}
