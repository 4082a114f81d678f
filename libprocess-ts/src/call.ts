/**
 * A mailbox event that is not a message: a dispatch, a deferred continuation,
 * a timer firing, an `exited` notification or an HTTP request. `run` executes
 * it inside the process; `drop` is called instead when the process terminates
 * first (so a pending dispatch rejects rather than hanging forever).
 */
export class Call {
  constructor(
    readonly run: () => void,
    readonly drop: () => void = noop,
    /** An HTTP request to one of the process's routes (counted apart in `Runtime.queued`). */
    readonly http = false,
  ) {}
}

function noop(): void {}
