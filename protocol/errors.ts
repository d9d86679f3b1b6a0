/**
 * One errors module, as undici has: a base class and subclasses that only set `code`, `name` and
 * `exitCode`. Every error the program throws is one of these, internal ones included; tests
 * assert the code, never the message. An error a user can cause says what was wrong, where, and
 * what would be right, and the CLI prints its message alone; an `internal` one is a bug and the
 * CLI prints its stack. Errors cross a process boundary (workers) as `{ code, exitCode, message }`
 * and `fromWire` makes the same class again.
 */

export class FleetsimError extends Error {
  readonly code: string = 'FLEETSIM_ERROR';
  /** The process exit code the CLI uses for this error (docs/report.md lists them). */
  readonly exitCode: number = 1;
  /** A bug rather than something the user can fix: the CLI prints the stack. */
  readonly internal: boolean = false;
}

/** A scenario file that cannot be run: YAML syntax, unknown fields, wrong types, bad values. */
export class ScenarioError extends FleetsimError {
  override readonly code = 'SCENARIO_INVALID';
  override readonly exitCode = 3;
  override readonly name = 'ScenarioError';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string | undefined,
  ) {
    super(message);
  }
}

/** Command-line usage that cannot work (a bad flag value, a missing file). */
export class UsageError extends FleetsimError {
  override readonly code = 'USAGE';
  override readonly exitCode = 3;
  override readonly name = 'UsageError';
}

/** The target endpoint could not be reached or refused the connection. */
export class TargetUnreachableError extends FleetsimError {
  override readonly code = 'TARGET_UNREACHABLE';
  override readonly exitCode = 4;
  override readonly name = 'TargetUnreachableError';
}

/** Events were in flight and no acknowledgement came for the stall limit: the target stopped answering. */
export class DriveStalledError extends FleetsimError {
  override readonly code = 'DRIVE_STALLED';
  override readonly exitCode = 4;
  override readonly name = 'DriveStalledError';
}

/** 'dropped': a full offline queue on the device let the report go (it never reached the wire). */
export type SendErrorKind = 'timeout' | 'overload' | 'refused' | 'network' | 'dropped';

/** Why an event was not acknowledged: the drive loop's flow control backs off on 'overload' and 'timeout'. */
export class SendError extends FleetsimError {
  override readonly code = 'SEND_FAILED';
  override readonly exitCode = 4;
  override readonly name = 'SendError';
  constructor(
    message: string,
    readonly kind: SendErrorKind,
  ) {
    super(message);
  }
}

/** A --data-dir that cannot be used: in use by another process, or a damaged journal. */
export class DataDirError extends FleetsimError {
  override readonly code = 'DATA_DIR';
  override readonly exitCode = 3;
  override readonly name = 'DataDirError';
}

/** Endpoint configuration that cannot work: unreadable TLS files, a bad auth file. */
export class EndpointConfigError extends FleetsimError {
  override readonly code = 'ENDPOINT_CONFIG';
  override readonly exitCode = 3;
  override readonly name = 'EndpointConfigError';
}

/** The exit code of a bug (sysexits' EX_SOFTWARE), apart from every verdict and usage code. */
export const INTERNAL_EXIT_CODE = 70;

/** An invariant of the program broke; also what a worker's non-fleetsim error comes back as. */
export class InternalError extends FleetsimError {
  override readonly code: string = 'INTERNAL';
  override readonly exitCode: number = INTERNAL_EXIT_CODE;
  override readonly internal = true;
  override readonly name: string = 'InternalError';
}

/** A lifecycle model that does not compile: a platform table names a node or transition it lacks. */
export class ModelError extends InternalError {
  override readonly code = 'MODEL_INVALID';
  override readonly name = 'ModelError';
}

/** The engine found no way on from a node for a device's traits, or looped through silent nodes. */
export class LifecycleError extends InternalError {
  override readonly code = 'LIFECYCLE_STUCK';
  override readonly name = 'LifecycleError';
}

/** A worker process ended without sending its result (killed, out of memory, crashed). */
export class WorkerError extends InternalError {
  override readonly code = 'WORKER_FAILED';
  override readonly name = 'WorkerError';
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

/** A port that another process (or another listener) already holds: `serve`, `--metrics-port`. */
export class PortInUseError extends FleetsimError {
  override readonly code = 'PORT_IN_USE';
  override readonly exitCode = 6;
  constructor(message: string) {
    super(message);
    this.name = 'PortInUseError';
  }
}

export function isFleetsimError(err: unknown): err is FleetsimError {
  return err instanceof FleetsimError;
}

/** An error as it crosses a process boundary. */
export interface WireError {
  code: string;
  exitCode: number;
  message: string;
}

/** Every code the program throws, and how to make its error again from a message. */
export const ERROR_CLASSES: Readonly<Record<string, (message: string) => FleetsimError>> = {
  SCENARIO_INVALID: (m) => new ScenarioError(m, '', undefined, undefined),
  USAGE: (m) => new UsageError(m),
  TARGET_UNREACHABLE: (m) => new TargetUnreachableError(m),
  DRIVE_STALLED: (m) => new DriveStalledError(m),
  // a send error escapes a run only through the drive's stall message; its kind stays behind
  SEND_FAILED: (m) => new SendError(m, 'network'),
  DATA_DIR: (m) => new DataDirError(m),
  ENDPOINT_CONFIG: (m) => new EndpointConfigError(m),
  INTERNAL: (m) => new InternalError(m),
  MODEL_INVALID: (m) => new ModelError(m),
  LIFECYCLE_STUCK: (m) => new LifecycleError(m),
  WORKER_FAILED: (m) => new WorkerError(m),
  TARGET_CONFIG: (m) => new TargetConfigError(m),
  TALLY_SOURCE: (m) => new TallySourceError(m),
  PORT_IN_USE: (m) => new PortInUseError(m),
};

/** What crosses the boundary: a bug's stack goes along in the message, since it is what a report needs. */
export function toWire(err: unknown): WireError {
  if (isFleetsimError(err))
    return {
      code: err.code,
      exitCode: err.exitCode,
      message: err.internal && err.stack ? err.stack : err.message,
    };
  const e = err as Error | undefined;
  return { code: 'INTERNAL', exitCode: INTERNAL_EXIT_CODE, message: e?.stack ?? String(err) };
}

/** The same class again; an unknown code (another fleetsim version) comes back as an internal error naming it. */
export function fromWire(w: WireError): FleetsimError {
  const make = ERROR_CLASSES[w.code];
  return make ? make(w.message) : new InternalError(`${w.code}: ${w.message}`);
}
