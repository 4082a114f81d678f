// How far an archive may expand, with the system's tar, unzip and gzip on small archives of
// zeros made here: each kind refused past the bound naming it, and nothing big left behind;
// within the bound, extracted as before.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/helpers.js';
import { extract, tarSizeCounter } from '../extract.js';

let dir: string;
const MB = 1024 * 1024;
const signal = new AbortController().signal;

beforeAll(() => {
  dir = tempDir('extract-');
  const src = join(dir, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'zeros'), Buffer.alloc(3 * MB)); // compresses to a few KB
  execFileSync('tar', ['-C', src, '-czf', join(dir, 'bomb.tar.gz'), 'zeros']);
  execFileSync('zip', ['-q', join(dir, 'bomb.zip'), 'zeros'], { cwd: src });
  execFileSync('sh', ['-c', `gzip -c zeros > ${join(dir, 'bomb.gz')}`], { cwd: src });
  // A zip whose headers claim 1000 bytes for its 3 MB member (local header and central directory).
  const zip = readFileSync(join(dir, 'bomb.zip'));
  zip.writeUInt32LE(1000, 22);
  zip.writeUInt32LE(1000, zip.indexOf(Buffer.from('PK\x01\x02', 'latin1')) + 24);
  writeFileSync(join(dir, 'liar.zip'), zip);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh folder holding a copy of the archive, as the fetcher's sandbox would. */
function placed(name: string): { file: string; at: string } {
  const at = join(dir, `run-${name}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(at);
  const file = join(at, name);
  writeFileSync(file, readFileSync(join(dir, name)));
  return { file, at };
}

describe('--fetcher_max_extracted_size', () => {
  test.each([
    ['bomb.tar.gz', 'tar', "the archive expands to 3MB, more than the agent's --fetcher_max_extracted_size=1MB"],
    ['bomb.zip', 'zip', "the archive expands to 3MB, more than the agent's --fetcher_max_extracted_size=1MB"],
    ['bomb.gz', 'gz', "the archive expands to more than the agent's --fetcher_max_extracted_size=1MB"],
    ['liar.zip', 'zip', "the archive expands to more than the agent's --fetcher_max_extracted_size=1MB"],
  ] as const)('%s past the bound is refused naming it, and leaves no big file', async (name, kind, message) => {
    const { file, at } = placed(name);
    await expect(extract(kind, file, signal, MB)).rejects.toThrow(message);
    const out = join(at, 'zeros');
    expect(existsSync(out) ? statSync(out).size : 0).toBeLessThanOrEqual(MB);
    expect(existsSync(join(at, 'bomb'))).toBe(false);
  });

  test.each([['bomb.tar.gz', 'tar', 'zeros'], ['bomb.zip', 'zip', 'zeros'], ['bomb.gz', 'gz', 'bomb']] as const)('%s within the bound is extracted whole', async (name, kind, out) => {
    const { file, at } = placed(name);
    await extract(kind, file, signal, 4 * MB);
    expect(statSync(join(at, out)).size).toBe(3 * MB);
  });

  test('the tar listing is summed across chunks, devices and links adding nothing', () => {
    const c = tarSizeCounter(10_000);
    c.feed('-rw-r--r-- root/root      4000 2024-01-01 00:00 a\ncrw-r--r-- root/root      1,3 2024-01-01 00:00 dev/null\nhrw-r--r-- root/root         0 2024-01-01 00:00 b link to a\n-rw-r--r-- root/ro');
    c.feed('ot      5000 2024-01-01 00:00 c');
    expect(c.total()).toBe(9000);
    expect(() => tarSizeCounter(100).feed('-rw-r--r-- root/root 101 2024-01-01 00:00 a\n')).toThrow('the archive expands to 101B, more than');
  });

  test('a listing past the bound is refused at its end too (when tar exits before its output is read, the run succeeds)', () => {
    const c = tarSizeCounter(100);
    expect(() => c.feed('-rw-r--r-- root/root 101 2024-01-01 00:00 a\n')).toThrow('the archive expands to 101B');
    expect(() => c.total()).toThrow('the archive expands to 101B, more than');
  });
});
