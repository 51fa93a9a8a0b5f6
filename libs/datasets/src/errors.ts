/**
 * A download that did not complete: the server could not be reached, answered
 * with an HTTP error, or dropped the connection. Not the user's input, and
 * possibly temporary: the CLI exits 3, a worker retries the job. Whatever was
 * received is kept as resumable `.part` data.
 */
export class DownloadError extends Error {
  constructor(
    message: string,
    /** The HTTP status when the server answered with an error. */
    readonly status?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A complete download that is not what it should be: a checksum or size
 * that does not match, a checksum file that cannot be read, an archive that
 * cannot be read or lacks its ratings file. The bad file has been removed,
 * so running again downloads it afresh: the CLI exits 5.
 */
export class VerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
