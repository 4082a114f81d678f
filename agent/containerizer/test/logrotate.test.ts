/**
 * --container_logger=logrotate with real processes: a chatty task's stdout is rotated by logrotate
 * into stdout, stdout.1, ... in its sandbox, nothing lost and in order; per-task overrides; the
 * loggers are gone once the container is; a container whose launch fails leaves no logger behind.
 */
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Containerizer } from '../containerizer.js';
import { DEFAULT_LOGROTATE_OPTIONS, LOGGER_NAME, logrotateUnusable, type LogrotateOptions } from '../logger/logrotate.js';
import type { ContainerConfig } from '../types.js';
import { describeIf, testIf } from '../../../test/skip.js';
import { cid, cleanup, tmp, waitFor } from './helpers.js';

const options: LogrotateOptions = { ...DEFAULT_LOGROTATE_OPTIONS, maxStdoutSize: 8192, stdoutOptions: 'rotate 9' };
const root = process.getuid?.() === 0;

/** The loggers still running for a sandbox (their command line names its files). */
function loggersOf(sandbox: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.includes(LOGGER_NAME) && cmd.includes(`--log_filename=${sandbox}/`)) out.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The rotated files, oldest first, then the leading one. */
function logFiles(sandbox: string, name: string): string[] {
  const rotated = readdirSync(sandbox).filter((f) => new RegExp(`^${name}\\.\\d+$`).test(f)).sort((a, b) => Number(b.split('.')[1]) - Number(a.split('.')[1]));
  return [...rotated, name];
}

describeIf(logrotateUnusable(options))('--container_logger=logrotate', () => {
  describe.each(['helper', 'forkserver'] as const)('launcher %s', (launcher) => {
    let dir: string;
    let cz: Containerizer;
    beforeAll(async () => {
      dir = tmp('logrotate-');
      chmodSync(dir, 0o755); // the task's user reaches its sandbox, as under an agent's work_dir
      cz = await Containerizer.create({ metaDir: join(dir, 'meta'), launcher, containerLogger: options });
    });
    afterAll(async () => {
      cz.close();
      await cleanup(dir);
    });

    const config = (value: string, extra: Partial<ContainerConfig> = {}): ContainerConfig => {
      const id = cid('lr');
      return { containerId: id, command: { shell: true, value }, sandbox: join(dir, 'runs', id), limits: {}, ...extra };
    };

    test('stdout is rotated at its maximum size into stdout.1, stdout.2, ..., nothing lost, in order', async () => {
      // 600 numbered lines of 50 bytes: 30,000 bytes through an 8 KB leading file.
      const c = config('i=0; while [ $i -lt 600 ]; do i=$((i+1)); printf "line %04d 0123456789012345678901234567890123456\\n" $i; done; echo bye >&2');
      const t = await (await cz.launch(c)).wait();
      expect(t.status?.code).toBe(0);
      await waitFor(() => loggersOf(c.sandbox).length === 0, 10_000, 'the loggers to exit');
      const files = logFiles(c.sandbox, 'stdout');
      expect(files.length).toBeGreaterThanOrEqual(4);
      for (const f of files) expect(statSync(join(c.sandbox, f)).size).toBeLessThanOrEqual(8192);
      const all = files.map((f) => readFileSync(join(c.sandbox, f), 'utf8')).join('');
      const lines = all.split('\n').filter((l) => l !== '');
      expect(lines.length).toBe(600);
      lines.forEach((l, i) => expect(l.startsWith(`line ${String(i + 1).padStart(4, '0')} `)).toBe(true));
      expect(readFileSync(join(c.sandbox, 'stderr'), 'utf8')).toBe('bye\n');
      expect(readFileSync(join(c.sandbox, 'stdout.logrotate.conf'), 'utf8')).toBe(`${join(c.sandbox, 'stdout')} {\nrotate 9\nsize 4096\n}\n`);
    });

    test('the task\'s environment overrides the flags (CONTAINER_LOGGER_*): two rotations kept', async () => {
      const c = config('i=0; while [ $i -lt 600 ]; do i=$((i+1)); printf "line %04d 0123456789012345678901234567890123456\\n" $i; done', {});
      c.command.environment = { CONTAINER_LOGGER_MAX_STDOUT_SIZE: '8KB', CONTAINER_LOGGER_LOGROTATE_STDOUT_OPTIONS: 'rotate 2' };
      await (await cz.launch(c)).wait();
      await waitFor(() => loggersOf(c.sandbox).length === 0, 10_000, 'the loggers to exit');
      const files = logFiles(c.sandbox, 'stdout');
      expect(files).toEqual(['stdout.2', 'stdout.1', 'stdout']);
      // The logger rotates on byte counts at its read boundaries, so a line may be split across two files (as
      // Mesos's logger does): what is kept, read in order, is an unbroken tail of what the task wrote.
      const kept = files.map((f) => readFileSync(join(c.sandbox, f), 'utf8')).join('');
      let written = '';
      for (let i = 1; i <= 600; i++) written += `line ${String(i).padStart(4, '0')} 0123456789012345678901234567890123456\n`;
      expect(kept.length).toBeGreaterThan(8192);
      expect(written.endsWith(kept)).toBe(true);
    });

    test('a bad override fails the launch naming it, and leaves no logger behind', async () => {
      const c = config('true');
      c.command.environment = { CONTAINER_LOGGER_MAX_STDERR_SIZE: '12 parsecs' };
      await expect(cz.launch(c)).rejects.toThrow('CONTAINER_LOGGER_MAX_STDERR_SIZE=12 parsecs: expected a size of at least 4096 bytes');
      expect(loggersOf(c.sandbox)).toEqual([]);
      // Refused by the launcher after the loggers started: released, they exit.
      const d = config('');
      await expect(cz.launch(d)).rejects.toThrow('A shell command needs a non-empty value');
      await waitFor(() => loggersOf(d.sandbox).length === 0, 10_000, 'the loggers of the failed launch to exit');
    });

    test('a killed container\'s loggers end with it', async () => {
      const c = config('while :; do echo tick; sleep 0.01; done');
      const ct = await cz.launch(c);
      await waitFor(() => loggersOf(c.sandbox).length === 2, 5000, 'two loggers');
      // The task has written through its logger before it is killed (under load its first echo may come late; the
      // logger creates the file with the first line).
      await waitFor(() => existsSync(join(c.sandbox, 'stdout')) && readFileSync(join(c.sandbox, 'stdout'), 'utf8').startsWith('tick\n'), 10_000, 'the first line logged');
      await ct.destroy();
      await waitFor(() => loggersOf(c.sandbox).length === 0, 10_000, 'the loggers to exit');
      expect(readFileSync(join(c.sandbox, 'stdout'), 'utf8')).toMatch(/^(tick\n)+/);
    });

    testIf(root ? null : 'switching to another user needs root')('as another user, the logs and their rotations are the user\'s', async () => {
      const c = config('i=0; while [ $i -lt 300 ]; do i=$((i+1)); printf "line %04d 0123456789012345678901234567890123456\\n" $i; done', { user: 'nobody' });
      expect((await (await cz.launch(c)).wait()).status?.code).toBe(0);
      await waitFor(() => loggersOf(c.sandbox).length === 0, 10_000, 'the loggers to exit');
      const files = logFiles(c.sandbox, 'stdout');
      expect(files.length).toBeGreaterThanOrEqual(2);
      const nobody = statSync(join(c.sandbox, 'stdout')).uid;
      expect(nobody).not.toBe(0);
      for (const f of files) expect(statSync(join(c.sandbox, f)).uid).toBe(nobody);
    });
  });

  test('an agent with the spawn launcher refuses it, naming why', async () => {
    const dir = tmp('logrotate-');
    try {
      await expect(Containerizer.create({ metaDir: join(dir, 'meta'), launcher: 'spawn', containerLogger: options })).rejects.toThrow('--container_logger=logrotate needs --launcher=helper or forkserver');
      await expect(Containerizer.create({ metaDir: join(dir, 'meta'), containerLogger: { ...options, logrotatePath: '/nonexistent/logrotate' } })).rejects.toThrow("'/nonexistent/logrotate --version' failed");
    } finally {
      await cleanup(dir);
    }
  });
});
