/**
 * The HTTP side of the embedded endpoint (docs/protocol.md lists every route): `POST /v1/events`
 * (http-events.ts), the read API (http-reads.ts), `/healthz` and the live page at `/`. Errors are
 * JSON: { error, field, reason, index? }. No request, however malformed, reaches a throw: the
 * target is parsed without one (request-target.ts), and anything unforeseen is a 500, logged.
 */
import type { Clock } from '../core/clock.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EndpointFaults } from './endpoint-faults.js';
import type { Logger } from 'pino';
import type { Authenticator, Principal } from './auth.js';
import type { EndpointMetrics } from './endpoint-metrics.js';
import { createEventPost } from './http-events.js';
import { createReads, isReadPath } from './http-reads.js';
import { sendJson } from './http-reply.js';
import type { Ingestor } from './ingestor.js';
import { parseRequestTarget } from './request-target.js';
import type { TallyStore } from './store.js';

export { MAX_BODY_BYTES } from './http-events.js';

export interface HttpApiHooks {
  /** Extra GET routes (the cluster's /v1/cluster); return true when handled. */
  route?: (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
}

/** What /healthz reports beyond draining: every listener and worker, each up or not. */
export interface HealthReport {
  ok: boolean;
  [part: string]: unknown;
}

export interface HttpApiDeps {
  store: TallyStore;
  ingestor: Ingestor;
  metrics: EndpointMetrics;
  auth: Authenticator;
  log: Logger;
  mqttClients: () => number;
  draining: () => boolean;
  durable: boolean;
  /** Parts of the endpoint that can be down while this process answers (listeners, workers). */
  health?: () => HealthReport;
  hooks?: HttpApiHooks;
  /** @default systemClock */
  clock?: Clock;
  /** Refusals and stops on purpose (a run's endpoint faults). */
  faults?: EndpointFaults;
}

const EMPTY_QUERY = new URLSearchParams();

export function createHttpHandler(d: HttpApiDeps) {
  const { store, log } = d;
  const postEvents = createEventPost(d);
  const read = createReads(d);

  function healthz(res: ServerResponse): void {
    const draining = d.draining();
    const parts = d.health?.() ?? { ok: true };
    const ok = !draining && parts.ok;
    sendJson(res, ok ? 200 : 503, { ...parts, ok, draining, durable: d.durable, pairs: store.pairs });
  }

  function route(req: IncomingMessage, res: ServerResponse): void {
    // The hot path (a device's POST) skips parsing the target, which costs more than the event check.
    const fast = req.url === '/v1/events';
    const target = fast ? undefined : parseRequestTarget(req.url);
    if (target && !target.ok) {
      return sendJson(res, 400, { error: 'invalid_request_target', field: '(path)', reason: target.reason });
    }
    const path = target ? target.path : '/v1/events';
    const query = target ? target.query : EMPTY_QUERY;
    // HEAD is a GET without the body (node's ServerResponse drops it), so probes can use either.
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (get && path === '/healthz') return healthz(res);
    if (req.method === 'POST' && path === '/v1/events') return post(d, postEvents, req, res, query);
    if (get) {
      if (authorize(d, req, res, path, query, false) === false) return;
      if (read(res, path, query)) return;
      if (d.hooks?.route?.(req, res, path)) return;
    }
    notRouted(req, res, path);
  }

  return function handle(req: IncomingMessage, res: ServerResponse): void {
    try {
      route(req, res);
    } catch (err) {
      // A bug, not the client's fault: answered and logged, and the endpoint keeps serving.
      log.error({ err, method: req.method, url: req.url?.slice(0, 200) }, 'HTTP handler failed');
      if (!res.headersSent)
        sendJson(res, 500, {
          error: 'internal',
          field: '(endpoint)',
          reason: 'the endpoint failed on this request; see its log',
        });
      else res.destroy();
    }
  };
}

/** POST /v1/events: refused while draining or under a refusing-endpoint fault, held while the
 * endpoint does not read, else checked and ingested. */
function post(
  d: HttpApiDeps,
  postEvents: ReturnType<typeof createEventPost>,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): void {
  if (d.draining())
    return sendJson(
      res,
      503,
      {
        error: 'shutting_down',
        field: '(endpoint)',
        reason: 'the endpoint is shutting down; retry against its successor',
      },
      { 'retry-after': '1', connection: 'close' },
    );
  const p = authorize(d, req, res, '/v1/events', query, true);
  if (p === false) return;
  if (d.faults) {
    const refuse = d.faults.refusing();
    if (refuse) {
      req.resume();
      return sendJson(
        res,
        refuse.status ?? 503,
        {
          error: refuse.status === 429 ? 'too_many_requests' : 'unavailable',
          field: '(endpoint)',
          reason:
            'the endpoint refuses events for a while on purpose (a refusing-endpoint fault); retry after the Retry-After',
        },
        { 'retry-after': String(refuse.retryAfterS ?? 1) },
      );
    }
    if (d.faults.holdIfStopped(() => postEvents(req, res, p))) return;
  }
  postEvents(req, res, p);
}

/** The principal for the request, undefined when none is needed, false when it was refused. */
function authorize(
  d: HttpApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  write: boolean,
): Principal | undefined | false {
  const { auth, metrics, log } = d;
  if (write ? !auth.enabled : !auth.readsNeedAuth) return undefined;
  // A browser cannot set a header on a page load, so the live page may pass ?token= instead.
  const header =
    req.headers.authorization ?? (!write && query.has('token') ? `Bearer ${query.get('token')}` : undefined);
  const p = auth.bearer(header);
  if (p && (write ? p.kind !== 'admin' : p.kind === 'admin')) return p;
  metrics.authFailures++;
  log.warn(
    { transport: 'http', path: path.slice(0, 200), hasCredentials: Boolean(header) },
    'request refused: credentials',
  );
  if (p?.kind === 'admin')
    // Reads and writes have separate credentials: a leaked dashboard token cannot move a tally.
    sendJson(res, 403, {
      error: 'forbidden',
      field: 'authorization',
      reason: 'the admin token is for reads (tallies, devices, /metrics); report events with a device or fleet token',
    });
  else
    sendJson(
      res,
      401,
      {
        error: 'unauthorized',
        field: 'authorization',
        reason: header
          ? 'the bearer token is not valid for this request'
          : `auth is on: send "Authorization: Bearer <token>" (${write ? 'a device or fleet token' : 'the admin token'})`,
      },
      { 'www-authenticate': 'Bearer realm="fleetsim"' },
    );
  return false;
}

/** A route that exists with another method, or none at all. */
function notRouted(req: IncomingMessage, res: ServerResponse, path: string): void {
  // A route that exists with another method: 405 and what it takes (RFC 9110 15.5.6).
  const allow = path === '/v1/events' ? 'POST' : path === '/healthz' || isReadPath(path) ? 'GET, HEAD' : undefined;
  if (allow)
    return sendJson(
      res,
      405,
      {
        error: 'method_not_allowed',
        field: '(method)',
        reason: `${String(req.method).slice(0, 16)} ${path} is not allowed; ${path} takes ${allow}`,
      },
      { allow },
    );
  sendJson(res, 404, {
    error: 'not_found',
    field: '(path)',
    reason: `no route ${String(req.method).slice(0, 16)} ${JSON.stringify(path.slice(0, 200))}; docs/protocol.md lists the API`,
  });
}
