/**
 * One errors module. Every error a user can cause has a stable `code` (tests assert the code,
 * never the message) and a message that says what was wrong, where, and what would be right.
 * The CLI prints `message` alone for these; anything else is a bug and gets its stack.
 */

export class FleetsimError extends Error {
  readonly code: string = 'FLEETSIM_ERROR';
  /** The process exit code the CLI uses for this error (docs/report.md lists them). */
  readonly exitCode: number = 1;
}

/** A scenario file that cannot be run: YAML syntax, unknown fields, wrong types, bad values. */
export class ScenarioError extends FleetsimError {
  override readonly code = 'SCENARIO_INVALID';
  override readonly exitCode = 3;
  constructor(
    message: string,
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string | undefined,
  ) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** Command-line usage that cannot work (a bad flag value, a missing file). */
export class UsageError extends FleetsimError {
  override readonly code = 'USAGE';
  override readonly exitCode = 3;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The target endpoint could not be reached or refused the connection. */
export class TargetUnreachableError extends FleetsimError {
  override readonly code = 'TARGET_UNREACHABLE';
  override readonly exitCode = 4;
  constructor(message: string) {
    super(message);
    this.name = 'TargetUnreachableError';
  }
}

export function isFleetsimError(err: unknown): err is FleetsimError {
  return err instanceof FleetsimError;
}

/** A --data-dir that cannot be used: in use by another process, or a damaged journal. */
export class DataDirError extends FleetsimError {
  override readonly code = 'DATA_DIR';
  override readonly exitCode = 3;
  constructor(message: string) {
    super(message);
    this.name = 'DataDirError';
  }
}

/** Endpoint configuration that cannot work: unreadable TLS files, a bad auth file. */
export class EndpointConfigError extends FleetsimError {
  override readonly code = 'ENDPOINT_CONFIG';
  override readonly exitCode = 3;
  constructor(message: string) {
    super(message);
    this.name = 'EndpointConfigError';
  }
}

/** A target description that cannot work: a template naming an unknown field, a status with no
 * code, unreadable CA or certificate files, a tally source with a bad expression. */
export class TargetConfigError extends FleetsimError {
  override readonly code = 'TARGET_CONFIG';
  override readonly exitCode = 3;
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'TargetConfigError';
  }
}

/** A tally source that could not be read or understood: a query with wrong columns, an answer
 * the mapping cannot read, a refused connection. After events were sent it lands in the report. */
export class TallySourceError extends FleetsimError {
  override readonly code = 'TALLY_SOURCE';
  override readonly exitCode = 4;
  constructor(message: string) {
    super(message);
    this.name = 'TallySourceError';
  }
}
