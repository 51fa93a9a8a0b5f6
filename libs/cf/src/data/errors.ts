/** Bad input data: names the file, the 1-based line (0 when it concerns the whole file) and the problem. */
export class DatasetInputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`);
    this.name = 'DatasetInputError';
  }
}

/** A prepared dataset directory that is missing, incomplete or from another format version. */
export class DatasetArtifactError extends Error {
  constructor(
    readonly dir: string,
    readonly problem: string,
  ) {
    super(`dataset ${dir}: ${problem}`);
    this.name = 'DatasetArtifactError';
  }
}
