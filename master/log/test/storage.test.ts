import { describe, test, expect, beforeEach, afterEach } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLogger } from 'libprocess-ts';
import { FileStorage, MemoryStorage, StorageError, type LogStorage } from '../storage.js';
import { crc32 } from '../crc32.js';
import type { Entry, Write } from '../types.js';

const enc = new TextEncoder();
const entry = (index: number, term: number, s: string | null = `e${index}`): Entry => ({ index, term, data: s === null ? null : enc.encode(s) });
const texts = (es: readonly Entry[]) => es.map((e) => `${e.index}:${e.term}:${e.data === null ? '-' : new TextDecoder().decode(e.data)}`);

let dir: string;
let logs: string[];
const logger = () => createLogger('storage', 'warn', (_l, _c, m) => logs.push(m));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-ts-log-'));
  logs = [];
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function open(): FileStorage {
  return new FileStorage(dir, { logger: logger() });
}

/** Where the records of a log file end (the preallocated zeros start). */
function recordsEnd(buf: Buffer): number {
  let offset = 8;
  while (offset + 8 <= buf.length) {
    const len = buf.readUInt32LE(offset);
    if (len === 0) break;
    offset += 8 + len;
  }
  return offset;
}

describe('crc32', () => {
  test('matches the standard check values', () => {
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
    expect(crc32(enc.encode('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    // Slicing by 8 agrees with a byte at a time at every length and alignment, and when chained.
    const bytewise = (d: Uint8Array, seed = 0): number => {
      let c = (seed ^ 0xffffffff) >>> 0;
      for (const b of d) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 97 + 13) & 0xff);
    for (let len = 0; len <= 40; len++) for (let off = 0; off < 9; off++) expect(crc32(data.subarray(off, off + len))).toBe(bytewise(data.subarray(off, off + len)));
    expect(crc32(data)).toBe(bytewise(data));
    expect(crc32(data.subarray(150), crc32(data.subarray(0, 150)))).toBe(crc32(data));
  });
});

describe('FileStorage', () => {
  test('an empty directory loads as an empty store', () => {
    const s = open();
    expect(s.load()).toEqual({ hardState: null, snapshot: null, entries: [] });
    s.close();
    expect(fs.readFileSync(path.join(dir, 'log')).toString()).toBe('MTSLOG01');
  });

  test('round trip: metadata, entries (no-ops too), overwritten suffixes, fsync before apply returns', () => {
    const s = open();
    s.load();
    s.apply([
      { type: 'hardState', state: { term: 2, vote: 'log@a:1', status: 'voting' } },
      { type: 'append', entries: [entry(1, 1, null), entry(2, 1), entry(3, 2), entry(4, 2)] },
    ]);
    expect(s.counters.fsyncs).toBeGreaterThanOrEqual(3); // meta file + dir, then the log
    const before = s.counters.fsyncs;
    s.apply([{ type: 'append', entries: [entry(3, 3, 'x'), entry(4, 3, 'y'), entry(5, 3, 'z')] }]); // replaces 3..4
    expect(s.counters.fsyncs).toBe(before + 1); // one batch, one fsync
    s.close();
    const r = open().load();
    expect(r.hardState).toEqual({ term: 2, vote: 'log@a:1', status: 'voting' });
    expect(texts(r.entries)).toEqual(['1:1:-', '2:1:e2', '3:3:x', '4:3:y', '5:3:z']);
  });

  test('applyAsync: appends are written at once and fdatasync\'d off the event loop, done after; a batch with a term or snapshot is applied in place', async () => {
    const s = open();
    s.load();
    const apply = (writes: Parameters<FileStorage['apply']>[0]): Promise<Error | undefined> => new Promise((resolve) => s.applyAsync(writes, resolve));
    expect(await apply([{ type: 'hardState', state: { term: 1, vote: null, status: 'voting' } }, { type: 'append', entries: [entry(1, 1)] }])).toBeUndefined();
    const before = s.counters.fsyncs;
    let done = false;
    const p = apply([{ type: 'append', entries: [entry(2, 1), entry(3, 1)] }]).then((err) => {
      done = true;
      return err;
    });
    expect(done).toBe(false); // the sync runs on the thread pool
    expect(await p).toBeUndefined();
    expect(s.counters.fsyncs).toBe(before + 1); // one group, one fdatasync
    // The next group replaces a suffix, as apply does.
    expect(await apply([{ type: 'append', entries: [entry(3, 2, 'z')] }])).toBeUndefined();
    s.close();
    expect(texts(open().load().entries)).toEqual(['1:1:e1', '2:1:e2', '3:2:z']);
  });

  test('snapshot: written atomically, the log compacted, both survive a restart', () => {
    const s = open();
    s.load();
    s.apply([{ type: 'hardState', state: { term: 1, vote: null, status: 'voting' } }, { type: 'append', entries: [1, 2, 3, 4, 5].map((i) => entry(i, 1)) }]);
    const sizeBefore = fs.statSync(path.join(dir, 'log')).size;
    s.apply([{ type: 'snapshot', snapshot: { index: 3, term: 1, data: enc.encode('state@3') }, discardLog: false }]);
    expect(s.counters.compactions).toBe(1);
    expect(fs.statSync(path.join(dir, 'log')).size).toBeLessThan(sizeBefore);
    s.apply([{ type: 'append', entries: [entry(6, 2)] }]);
    s.close();
    expect(fs.readdirSync(dir).sort()).toEqual(['log', 'meta', 'snapshot']); // no temporary file left
    const r = open().load();
    expect(r.snapshot).toEqual({ index: 3, term: 1, data: enc.encode('state@3') });
    expect(texts(r.entries)).toEqual(['4:1:e4', '5:1:e5', '6:2:e6']);
    // An installed snapshot that discards the log.
    const s2 = open();
    s2.load();
    s2.apply([{ type: 'snapshot', snapshot: { index: 10, term: 4, data: enc.encode('state@10') }, discardLog: true }, { type: 'append', entries: [entry(11, 4)] }]);
    s2.close();
    const r2 = open().load();
    expect(r2.snapshot?.index).toBe(10);
    expect(texts(r2.entries)).toEqual(['11:4:e11']);
  });

  test('a torn tail (the file cut inside the last record) is dropped, said so, and the rest kept', () => {
    const s = open();
    s.load();
    s.apply([{ type: 'hardState', state: { term: 1, vote: null, status: 'voting' } }, { type: 'append', entries: [1, 2, 3].map((i) => entry(i, 1, `payload-${i}`)) }]);
    s.close();
    const file = path.join(dir, 'log');
    // As a file written without preallocation: the records, then a cut inside the last one.
    const size = recordsEnd(fs.readFileSync(file));
    expect(fs.statSync(file).size).toBeGreaterThan(size); // preallocated zeros follow the records
    fs.truncateSync(file, size - 5);
    const r = open().load();
    expect(texts(r.entries)).toEqual(['1:1:payload-1', '2:1:payload-2']);
    expect(r.hardState?.status).toBe('voting'); // an unacknowledged write: nothing was lost
    expect(logs.join('\n')).toMatch(/torn record at offset \d+.*dropped \d+ bytes/);
    const recordSize = 8 + 18 + 'payload-3'.length;
    expect(logs.join('\n')).toContain(`dropped ${recordSize - 5} bytes`);
    expect(fs.statSync(file).size).toBe(size - recordSize);
    // Appends continue after the cut.
    const s2 = open();
    s2.load();
    s2.apply([{ type: 'append', entries: [entry(3, 2, 'again')] }]);
    s2.close();
    expect(texts(open().load().entries)).toEqual(['1:1:payload-1', '2:1:payload-2', '3:2:again']);
  });

  test('the log is preallocated: appends overwrite zeros (fdatasync), a load stops at them, appends continue after a restart', () => {
    const s = open();
    s.load();
    s.apply([{ type: 'hardState', state: { term: 1, vote: null, status: 'voting' } }, { type: 'append', entries: [entry(1, 1)] }]);
    const file = path.join(dir, 'log');
    const allocated = fs.statSync(file).size;
    expect(allocated).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    s.apply([{ type: 'append', entries: [entry(2, 1)] }]);
    expect(fs.statSync(file).size).toBe(allocated); // no growth: the append overwrote zeros
    s.close();
    const s2 = open();
    expect(texts(s2.load().entries)).toEqual(['1:1:e1', '2:1:e2']);
    expect(logs).toEqual([]); // zeros are not a torn record
    s2.apply([{ type: 'append', entries: [entry(3, 1)] }]);
    s2.close();
    expect(texts(open().load().entries)).toEqual(['1:1:e1', '2:1:e2', '3:1:e3']);
    expect(fs.statSync(file).size).toBe(allocated);
  });

  test('a torn record header is dropped', () => {
    const s = open();
    s.load();
    s.apply([{ type: 'append', entries: [entry(1, 1)] }]);
    s.close();
    const file = path.join(dir, 'log');
    fs.truncateSync(file, recordsEnd(fs.readFileSync(file)));
    fs.appendFileSync(file, Buffer.from([1, 2, 3]));
    expect(texts(open().load().entries)).toEqual(['1:1:e1']);
    expect(logs[0]).toContain('torn record header');
  });

  test('a bad checksum on the last record is a torn write; in the middle it is corruption and the replica must recover before voting', () => {
    const s = open();
    s.load();
    s.apply([{ type: 'hardState', state: { term: 1, vote: null, status: 'voting' } }, { type: 'append', entries: [1, 2, 3].map((i) => entry(i, 1)) }]);
    s.close();
    const file = path.join(dir, 'log');
    const buf = fs.readFileSync(file);
    // Flip a byte of the last record's payload (zeros follow it: the preallocated space).
    const last = Buffer.from(buf);
    last[recordsEnd(buf) - 1]! ^= 0xff;
    fs.writeFileSync(file, last);
    let r = open().load();
    expect(texts(r.entries)).toEqual(['1:1:e1', '2:1:e2']);
    expect(r.hardState?.status).toBe('voting');
    expect(logs.join('\n')).toContain('bad checksum');
    expect(logs.join('\n')).toContain('(a torn write)');
    // Now corrupt the first record: what follows is dropped and the replica stops voting until it recovers.
    logs = [];
    const mid = fs.readFileSync(file);
    mid[8 + 8 + 5]! ^= 0xff;
    fs.writeFileSync(file, mid);
    r = open().load();
    expect(r.entries).toEqual([]);
    expect(r.hardState?.status).toBe('recovering');
    expect(logs.join('\n')).toContain('followed by more data (corruption)');
    expect(logs.join('\n')).toContain('recovers from its peers before it votes again');
    expect(open().load().hardState?.status).toBe('recovering'); // persisted
  });

  test('bad files are reported with the file and the problem', () => {
    fs.writeFileSync(path.join(dir, 'log'), 'NOTALOG!and more');
    expect(() => open().load()).toThrow(StorageError);
    expect(() => open().load()).toThrow(`${path.join(dir, 'log')}: wrong magic: expected "MTSLOG01", found "NOTALOG!"`);
    fs.rmSync(path.join(dir, 'log'));

    const s = open();
    s.load();
    s.apply([{ type: 'hardState', state: { term: 3, vote: null, status: 'voting' } }]);
    s.close();
    const meta = path.join(dir, 'meta');
    const good = fs.readFileSync(meta);
    const bad = Buffer.from(good);
    bad[bad.length - 3]! ^= 0x01;
    fs.writeFileSync(meta, bad);
    expect(() => open().load()).toThrow(new RegExp(`^${meta.replace(/[/\\.]/g, '\\$&')}: metadata is corrupt: checksum [0-9a-f]+ does not match the stored [0-9a-f]+$`));
    fs.writeFileSync(meta, 'garbage');
    expect(() => open().load()).toThrow(`${meta}: wrong magic: expected "MTSMETA1"`);
    fs.writeFileSync(meta, good.subarray(0, 12));
    expect(() => open().load()).toThrow(`${meta}: metadata is truncated`);
    // Valid framing, wrong content.
    const payload = Buffer.from(JSON.stringify({ term: -1, vote: null, status: 'voting' }));
    const rec = Buffer.alloc(8);
    rec.writeUInt32LE(payload.length, 0);
    rec.writeUInt32LE(crc32(payload), 4);
    fs.writeFileSync(meta, Buffer.concat([Buffer.from('MTSMETA1'), rec, payload]));
    expect(() => open().load()).toThrow(`${meta}: metadata {"term":-1,"vote":null,"status":"voting"} is not {term: non-negative integer`);
  });

  test('leftover temporary files from a crash during an atomic write are ignored and removed', () => {
    const s = open();
    s.load();
    s.apply([{ type: 'hardState', state: { term: 5, vote: null, status: 'voting' } }]);
    s.close();
    fs.writeFileSync(path.join(dir, 'meta.tmp'), 'half written');
    expect(open().load().hardState?.term).toBe(5);
    expect(fs.existsSync(path.join(dir, 'meta.tmp'))).toBe(false);
  });
});

describe('the stores agree', () => {
  test('MemoryStorage and FileStorage load the same state after the same writes', () => {
    const writes: Write[][] = [
      [{ type: 'hardState', state: { term: 1, vote: 'a', status: 'voting' } }, { type: 'append', entries: [1, 2, 3, 4].map((i) => entry(i, 1)) }],
      [{ type: 'append', entries: [entry(3, 2), entry(4, 2)] }],
      [{ type: 'snapshot', snapshot: { index: 2, term: 1, data: enc.encode('s') }, discardLog: false }],
      [{ type: 'append', entries: [entry(5, 2, null)] }],
    ];
    const stores: LogStorage[] = [new MemoryStorage(), open()];
    for (const st of stores) st.load();
    for (const batch of writes) for (const st of stores) st.apply(batch);
    stores[1]!.close();
    const fromFile = open().load();
    const fromMemory = stores[0]!.load();
    expect(texts(fromFile.entries)).toEqual(texts(fromMemory.entries));
    expect(fromFile.snapshot).toEqual(fromMemory.snapshot);
    expect(fromFile.hardState).toEqual(fromMemory.hardState);
  });
});
