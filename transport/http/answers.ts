/**
 * What one HTTP request came to: undici's dispatch handler that collects the answer, and the rule
 * that turns an answer or an error into settle, retry (429/503 honouring Retry-After, timeouts,
 * dropped connections) or fail.
 */
import { retryAfterMs } from '../backoff.js';
import { SendError } from '../types.js';
import { UNREACHABLE, type Batch } from './options.js';

/** What to do with a batch once its request is over. `congested`: the target signalled overload
 * (429/503, a timeout); `unreachable`: it could not be reached at all (refused, reset). */
export type Outcome =
  | { settle: 'ok' }
  | { settle: 'retry'; err: SendError; delayMs?: number; congested: boolean; unreachable: boolean }
  | { settle: 'fail'; err: SendError; congested: boolean };

const RETRY_STATUS = new Set([429, 503]);

/** The request's context for the messages: where it went, and the longest Retry-After honoured. */
export interface AnswerContext {
  origin: string;
  method: string;
  maxRetryAfterMs: number;
  now: number;
}

/** An HTTP answer: 2xx settles, 429/503 retries (or fails past the Retry-After cap), the rest fail. */
export function answerOutcome(
  b: Batch,
  status: number,
  retryAfter: string | undefined,
  text: string,
  c: AnswerContext,
): Outcome {
  if (status >= 200 && status < 300) return { settle: 'ok' };
  if (RETRY_STATUS.has(status)) {
    const asked = retryAfterMs(retryAfter, c.now);
    if (asked !== undefined && asked > c.maxRetryAfterMs) {
      const err = new SendError(
        `HTTP ${status} from ${c.origin}: Retry-After ${Math.round(asked / 1000)} s is over the ${c.maxRetryAfterMs / 1000} s limit`,
        'overload',
      );
      return { settle: 'fail', err, congested: true };
    }
    const err = new SendError(`HTTP ${status} from ${c.origin}${b.path}: ${text.slice(0, 200)}`, 'overload');
    return {
      settle: 'retry',
      err,
      ...(asked !== undefined ? { delayMs: asked } : {}),
      congested: true,
      unreachable: false,
    };
  }
  const err = new SendError(`HTTP ${status} from ${c.method} ${c.origin}${b.path}: ${text.slice(0, 300)}`, 'refused');
  return { settle: 'fail', err, congested: false };
}

/** The request failed before an answer: a timeout, a dropped connection, a closed pool. */
export function errorOutcome(err: Error & { code?: string }, origin: string): Outcome {
  const timeout = err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT';
  if (err.code === 'UND_ERR_DESTROYED' || err.code === 'UND_ERR_CLOSED')
    return { settle: 'fail', err: new SendError(err.message, 'network'), congested: timeout };
  return {
    settle: 'retry',
    err: new SendError(`${err.code ?? 'error'} from ${origin}: ${err.message}`, timeout ? 'timeout' : 'network'),
    congested: timeout,
    unreachable: UNREACHABLE.has(err.code ?? ''),
  };
}

/** Where a PostHandler reports (the transport). */
export interface AnswerSink {
  answered(b: Batch, status: number, retryAfter: string | undefined, text: string): void;
  errored(b: Batch, err: Error): void;
}

/**
 * undici's core (legacy) dispatch handler for one POST: Pool.dispatch takes this shape as is.
 * It keeps the body only when it explains a failure.
 */
export class PostHandler {
  private status = 0;
  private retryAfter: string | undefined;
  private text = '';

  constructor(
    private readonly t: AnswerSink,
    private readonly b: Batch,
  ) {}

  onConnect(): void {}

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.status = statusCode;
    if (statusCode >= 300) {
      for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
        if (rawHeaders[i]!.toString('latin1').toLowerCase() === 'retry-after')
          this.retryAfter = rawHeaders[i + 1]!.toString('latin1');
      }
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.status >= 300 && this.text.length < 1000) this.text += chunk.toString('utf8');
    return true;
  }

  onComplete(): void {
    this.t.answered(this.b, this.status, this.retryAfter, this.text);
  }

  onError(err: Error): void {
    this.t.errored(this.b, err);
  }
}
