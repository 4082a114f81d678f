/**
 * Decodes Mesos's RecordIO framing (`<length in bytes>\n<record>` repeated)
 * from a byte stream that arrives in arbitrary chunks.
 */
export class RecordIoDecoder {
  #pending = new Uint8Array(0);
  readonly #text = new TextDecoder();

  /** Feeds bytes; returns the records completed by them, in order. Throws on a malformed length. */
  decode(chunk: Uint8Array): string[] {
    const buf = new Uint8Array(this.#pending.length + chunk.length);
    buf.set(this.#pending, 0);
    buf.set(chunk, this.#pending.length);
    const records: string[] = [];
    let at = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, at);
      if (nl < 0) {
        if (buf.length - at > 20) throw new Error(`RecordIO: no newline within 20 bytes of a record's start`);
        break;
      }
      const header = this.#text.decode(buf.subarray(at, nl));
      if (!/^\d{1,15}$/.test(header)) throw new Error(`RecordIO: bad record length '${header.slice(0, 20)}'`);
      const length = Number(header);
      if (buf.length < nl + 1 + length) break;
      records.push(this.#text.decode(buf.subarray(nl + 1, nl + 1 + length)));
      at = nl + 1 + length;
    }
    this.#pending = buf.slice(at);
    return records;
  }
}
