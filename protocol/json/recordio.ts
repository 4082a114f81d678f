/**
 * RecordIO, the framing of Mesos's streaming HTTP responses (the scheduler's,
 * the executor's and the operator's SUBSCRIBE): each record is the byte
 * length of its compact JSON in decimal, a newline, then the JSON itself.
 *
 *   writer.write(recordio({ type: 'HEARTBEAT' }));   // "20\n{"type":"HEARTBEAT"}"
 */

/** One record: `<byte length>\n<json>`. The value is written with JSON.stringify (already v1 JSON). */
export function recordio(json: unknown): string {
  const text = JSON.stringify(json);
  return `${Buffer.byteLength(text)}\n${text}`;
}

/** One record of bytes (a protobuf message): `<byte length>\n<bytes>`. */
export function recordioBytes(bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${bytes.length}\n`), bytes]);
}

/**
 * Splits a stream of RecordIO bytes back into JSON values (for clients and
 * tests). Feed it chunks as they come; it returns the records completed by
 * each one. A length that is not a decimal number, or above `maxRecordBytes`,
 * throws an Error naming it.
 */
export class RecordIOReader {
  #frames: RecordIOFrames;

  constructor(maxRecordBytes = 64 * 1024 * 1024) {
    this.#frames = new RecordIOFrames(maxRecordBytes);
  }

  push(chunk: Buffer | string): unknown[] {
    return this.#frames.push(chunk).map((r) => JSON.parse(r.toString('utf8')) as unknown);
  }
}

/** The same, giving each record's bytes (protobuf streams). */
export class RecordIOFrames {
  #buffer = Buffer.alloc(0);

  constructor(private readonly maxRecordBytes = 64 * 1024 * 1024) {}

  push(chunk: Buffer | Uint8Array | string): Buffer[] {
    this.#buffer = Buffer.concat([this.#buffer, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const nl = this.#buffer.indexOf(0x0a);
      if (nl < 0) {
        if (this.#buffer.length > 20) throw new Error(`RecordIO: no record length in the first ${this.#buffer.length} bytes`);
        break;
      }
      const header = this.#buffer.subarray(0, nl).toString('latin1');
      if (!/^\d{1,20}$/.test(header)) throw new Error(`RecordIO: the record length '${header.slice(0, 20)}' is not a decimal number`);
      const length = Number(header);
      if (length > this.maxRecordBytes) throw new Error(`RecordIO: a record of ${length} bytes is above the limit of ${this.maxRecordBytes}`);
      if (this.#buffer.length < nl + 1 + length) break;
      out.push(Buffer.from(this.#buffer.subarray(nl + 1, nl + 1 + length)));
      this.#buffer = this.#buffer.subarray(nl + 1 + length);
    }
    return out;
  }
}
