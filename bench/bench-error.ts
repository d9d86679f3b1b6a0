/** A benchmark that could not measure what it set out to (a pass with failures, a server that died). */
import { FleetsimError } from '../protocol/errors.js';

export class BenchError extends FleetsimError {
  override readonly code = 'BENCH_FAILED';
  override readonly name = 'BenchError';
}
