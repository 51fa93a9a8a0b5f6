import { InputError } from '@vaecf/errors';
/** Bad input data: names the file, the 1-based line (0 when it concerns the whole file) and the problem. */
export class DatasetInputError extends InputError {
  constructor(
    readonly file: string,
    readonly line: number,
    problem: string,
  ) {
    super(
      line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`,
      line > 0 ? `${file}:${line}` : file,
      problem,
    );
  }
}

/** A prepared dataset directory that is missing, incomplete or from another format version. */
export class DatasetArtifactError extends InputError {
  constructor(
    readonly dir: string,
    problem: string,
  ) {
    super(`dataset ${dir}: ${problem}`, dir, problem);
  }
}
