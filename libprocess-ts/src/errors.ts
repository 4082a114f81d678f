/** An error of libprocess-ts with a stable machine-readable `code`. */
export class LibprocessError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LibprocessError';
  }
}
