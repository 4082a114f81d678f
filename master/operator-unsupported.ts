/**
 * Calls of Mesos's v1 master API (master.proto `Call.Type`) this master knows
 * but does not carry out: each answers 501 Not Implemented naming the call,
 * as Mesos answers for what it does not support, rather than 400 "unknown".
 * One entry per call, so that the change that implements one removes its
 * line (maintenance and drain are implemented: http-maintenance.ts).
 */
export const NOT_IMPLEMENTED: Readonly<Record<string, string>> = {
  UNKNOWN: "Received an 'UNKNOWN' call",
};
