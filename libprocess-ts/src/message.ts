/**
 * A message between processes: the unit every transport carries and every
 * filter sees. `from` and `to` are PIDs in their string form `id@host:port`.
 */
export interface Envelope {
  readonly from: string;
  readonly to: string;
  readonly name: string;
  readonly body: unknown;
}
