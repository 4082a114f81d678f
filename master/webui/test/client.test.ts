// The web UI's DOM-free parts, in Node: RecordIO framing, hash routes, axis bounds.
import { describe, expect, test } from '@jest/globals';
import { niceMax } from '../src/plot.js';
import { RecordIoDecoder } from '../src/recordio.js';
import { parseRoute } from '../src/router.js';
import { sampleOf } from '../src/store.js';
import type { FrameworkJson, MasterStateJson, Snapshot } from '../src/types.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const frame = (s: string): string => `${bytes(s).length}\n${s}`;

describe('RecordIoDecoder', () => {
  test('records split anywhere across chunks, multi-byte characters included', () => {
    const records = ['{"type":"SUBSCRIBED"}', '{"type":"HEARTBEAT"}', '{"name":"été ☃"}', ''];
    const all = bytes(records.map(frame).join(''));
    for (let cut = 0; cut <= all.length; cut++) {
      const d = new RecordIoDecoder();
      expect([...d.decode(all.subarray(0, cut)), ...d.decode(all.subarray(cut))]).toEqual(records);
    }
    const d = new RecordIoDecoder();
    const out: string[] = [];
    for (const b of all) out.push(...d.decode(Uint8Array.of(b)));
    expect(out).toEqual(records);
  });

  test('a length that is not a number is an error naming it', () => {
    expect(() => new RecordIoDecoder().decode(bytes('12x\n{}'))).toThrow("RecordIO: bad record length '12x'");
    expect(() => new RecordIoDecoder().decode(bytes('1'.repeat(30)))).toThrow('no newline within 20 bytes');
  });
});

describe('parseRoute', () => {
  test('pages, ids decoded, queries', () => {
    expect(parseRoute('').name).toBe('dashboard');
    expect(parseRoute('#/').name).toBe('dashboard');
    expect(parseRoute('#/frameworks').name).toBe('frameworks');
    expect(parseRoute('#/agents/a%2Fb')).toMatchObject({ name: 'agent', params: ['a/b'] });
    const t = parseRoute('#/tasks/fw-1/task%201?dir=sub&file=sub%2Fstdout');
    expect(t).toMatchObject({ name: 'task', params: ['fw-1', 'task 1'] });
    expect(t.query.get('file')).toBe('sub/stdout');
    expect(parseRoute('#/roles').name).toBe('roles');
    expect(parseRoute('#/nope/x')).toMatchObject({ name: 'unknown', params: ['/nope/x'] });
    expect(parseRoute('#/agents/%E0%A4%A')).toMatchObject({ name: 'unknown' });
  });
});

describe('niceMax', () => {
  test('1, 2, 5 times a power of ten at or above the value', () => {
    expect([0, 0.3, 1, 1.2, 3, 7, 10, 11, 2500].map(niceMax)).toEqual([1, 0.5, 1, 2, 5, 10, 10, 20, 5000]);
  });
});

describe('sampleOf', () => {
  test('allocation per role and per framework (used + offered), task counters by state', () => {
    const r = (cpus: number, mem: number) => ({ cpus, mem, gpus: 0, disk: 0 });
    const fw = { id: 'fw-000001', name: 'web', used_resources: r(1, 100), offered_resources: r(0.5, 50) } as unknown as FrameworkJson;
    const s: Snapshot = {
      state: { frameworks: [fw] } as unknown as MasterStateJson,
      metrics: { 'master/tasks_running': 2, 'master/tasks_finished': 7 },
      roles: [{ name: 'a', weight: 1, frameworks: ['fw-000001'], allocated: r(1.5, 150), quota: null }],
      at: 1234,
    };
    const x = sampleOf(s);
    expect(x.t).toBe(1234);
    expect(x.roles).toEqual({ cpus: { a: 1.5 }, mem: { a: 150 } });
    expect(x.frameworks).toEqual({ cpus: { 'web (000001)': 1.5 }, mem: { 'web (000001)': 150 } });
    expect(x.states).toEqual({ staging: 0, starting: 0, running: 2, finished: 7, failed: 0, killed: 0, lost: 0 });
  });
});
