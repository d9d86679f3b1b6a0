/**
 * `POST /v1/events`: one event or an array, validated all-or-nothing and answered only once every
 * event is counted and, with --data-dir, on disk. Limits: MAX_BODY_BYTES per request and
 * MAX_EVENT_BYTES per event, inside an array too; the body is identity-encoded UTF-8 JSON.
 */
import { type Clock, systemClock } from '../core/clock.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { checkEvent, invalidUtf8At, MAX_EVENT_BYTES, shortName, type StatusEvent } from '../protocol/event.js';
import type { Principal } from './auth.js';
import type { EndpointMetrics } from './endpoint-metrics.js';
import { readBody, sendJson, type ApiError } from './http-reply.js';
import { admit } from './ingest-sink.js';
import type { Ingestor } from './ingestor.js';
import { RefusalLog } from './refusal-log.js';
import type { TallyStore } from './store.js';

/** Largest accepted request body: a batch of events. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface EventPostDeps {
  store: TallyStore;
  ingestor: Ingestor;
  metrics: EndpointMetrics;
  log: Logger;
  /** Time of receipt and the ingest latency. @default systemClock */
  clock?: Clock;
}

const payloadError = (error: string, reason: string): ApiError => ({ error, field: '(payload)', reason });

type Parsed = { ok: true; events: StatusEvent[] } | { ok: false; status: number; err: ApiError; key?: string };
const no = (status: number, err: ApiError, key?: string): Parsed => ({
  ok: false,
  status,
  err,
  ...(key ? { key } : {}),
});

/** The events of a body, or the refusal to send. */
function eventsOf(body: Buffer, principal: Principal | undefined): Parsed {
  const bad = invalidUtf8At(body);
  if (bad >= 0)
    return no(400, payloadError('malformed_json', `the body is not UTF-8 (byte offset ${bad}); JSON text is UTF-8`));
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return no(400, payloadError('malformed_json', `malformed JSON: ${shortName((e as Error).message)}`));
  }
  const batch = Array.isArray(value);
  if (!batch && body.length > MAX_EVENT_BYTES)
    return no(
      413,
      payloadError('payload_too_large', `event of ${body.length} bytes is over the ${MAX_EVENT_BYTES}-byte limit`),
    );
  const list = batch ? (value as unknown[]) : [value];
  if (list.length === 0)
    return no(400, payloadError('empty_batch', 'expected one event or a non-empty array of events'));
  const events: StatusEvent[] = new Array(list.length);
  const where = (i: number) => (batch ? { index: i, note: 'no event of this batch was applied' } : {});
  // An event inside an array is held to the same limit as one sent alone (measured re-encoded,
  // which only a small body can skip: it is under the limit as a whole).
  const measure = batch && body.length > MAX_EVENT_BYTES;
  for (let i = 0; i < list.length; i++) {
    const size = measure ? Buffer.byteLength(JSON.stringify(list[i]) ?? '') : 0;
    if (size > MAX_EVENT_BYTES)
      return no(413, {
        ...payloadError('payload_too_large', `event of ${size} bytes is over the ${MAX_EVENT_BYTES}-byte limit`),
        ...where(i),
      });
    const a = admit(checkEvent(list[i]), principal);
    if (!a.ok) {
      return a.reasonKey === 'acl'
        ? no(403, { error: 'forbidden', field: a.field, ...where(i), reason: a.reason }, 'acl')
        : no(400, { error: 'invalid_event', field: a.field, reason: a.reason, ...where(i) });
    }
    events[i] = a.event;
  }
  return { ok: true, events };
}

export function createEventPost(d: EventPostDeps) {
  const { store, ingestor, metrics } = d;
  const clock = d.clock ?? systemClock;
  const refusals = new RefusalLog(d.log);

  function refuse(
    res: ServerResponse,
    status: number,
    err: ApiError,
    extra: Record<string, string> = {},
    key = err.field,
  ): void {
    store.reject(key);
    metrics.httpRequests++;
    refusals.log({ transport: 'http', field: err.field, reason: err.reason, index: err.index });
    sendJson(res, status, err, extra);
  }

  return function postEvents(req: IncomingMessage, res: ServerResponse, principal: Principal | undefined): void {
    const t0 = clock.now();
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      // Read nothing: a compressed body is small on the wire and large in memory.
      return refuse(
        res,
        415,
        payloadError(
          'unsupported_encoding',
          `Content-Encoding ${JSON.stringify(shortName(encoding))} is not supported; send the JSON uncompressed`,
        ),
        { connection: 'close' },
      );
    }
    readBody(req, MAX_BODY_BYTES, (tooLarge, body) => {
      if (tooLarge)
        // The rest of the body is not read: close the connection rather than drain a megabyte-plus.
        return refuse(
          res,
          413,
          payloadError(
            'payload_too_large',
            `request body is over the ${MAX_BODY_BYTES}-byte limit; send at most ${MAX_BODY_BYTES} bytes per request`,
          ),
          { connection: 'close' },
        );
      const parsed = eventsOf(body, principal);
      if (!parsed.ok) return refuse(res, parsed.status, parsed.err, {}, parsed.key);
      ingestor.ingestBatch(parsed.events, Math.floor(clock.now()), (out) => {
        metrics.httpRequests++;
        metrics.ingest.record((clock.now() - t0) * 1000);
        sendJson(res, 200, out);
      });
    });
  };
}
