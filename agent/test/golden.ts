/**
 * Golden files of what the agent answers (agent/test/golden/<name>.json):
 * values that differ from run to run (uuids, times, ports, container ids,
 * the temp work dir) become placeholders before the comparison.
 * `UPDATE_GOLDEN=1` writes the files instead; read them before committing.
 */
import { expect } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url)).replace(/\/dist\/agent\/test\//, '/agent/test/');
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function normalize(v: unknown, workDir: string, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => normalize(x, workDir, key));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x, workDir, k)]));
  if (key === 'uuid' || key === 'status_update_uuid') return '<uuid>';
  if (key === 'timestamp' || key === 'port') return '<number>';
  if (typeof v === 'string' && UUID_TEXT.test(v)) return '<container-id>';
  if (typeof v === 'string' && v.startsWith(workDir)) return `<work_dir>${v.slice(workDir.length)}`;
  return v;
}

export function expectGolden(name: string, actual: unknown, workDir: string): void {
  const file = `${GOLDEN}${name}.json`;
  const text = JSON.stringify(normalize(actual, workDir), null, 2) + '\n';
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}
