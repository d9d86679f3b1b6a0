/**
 * The HTTP side of the embedded endpoint (docs/protocol.md lists every route):
 * `POST /v1/events` (one event or an array, validated all-or-nothing, answered after the events
 * are counted and, with --data-dir, journaled), the read API (tallies, devices, history, stats),
 * `/metrics`, `/healthz` and the live page at `/`. Errors are JSON: { error, field, reason, index? }.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { checkEvent, MAX_EVENT_BYTES, type StatusEvent } from '../protocol/event.js';
import { mayReportFor, type Authenticator, type Principal } from './auth.js';
import type { EndpointMetrics } from './endpoint-metrics.js';
import type { Ingestor } from './ingestor.js';
import { LIVE_PAGE_HTML } from './live-page.js';
import { deviceHistory, listDevices, parseDeviceFilter } from './queries.js';
import type { TallyStore } from './store.js';

/** Largest accepted request body: a batch of events. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpApiHooks {
  /** Extra routes (issue-specific endpoints); return true when handled. */
  route?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
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
  hooks?: HttpApiHooks;
}

interface ApiError {
  error: string;
  field: string;
  reason: string;
  index?: number;
  note?: string;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  const text = JSON.stringify(body);
  const h: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  };
  if (headers) Object.assign(h, headers);
  res.writeHead(status, h);
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number, cb: (tooLarge: boolean, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (c: Buffer) => {
    if (over) return;
    size += c.length;
    if (size > limit) {
      over = true;
      chunks.length = 0;
      cb(true, Buffer.alloc(0));
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (!over) cb(false, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  });
  req.on('error', () => undefined);
}

export function createHttpHandler(d: HttpApiDeps) {
  const { store, ingestor, metrics, auth, log } = d;

  function refuse(
    res: ServerResponse,
    status: number,
    err: ApiError,
    reasonKey: string,
    extra: Record<string, string> = {},
  ): void {
    store.reject(reasonKey);
    metrics.httpRequests++;
    log.warn({ transport: 'http', field: err.field, reason: err.reason, index: err.index }, 'event refused');
    sendJson(res, status, err, extra);
  }

  function postEvents(req: IncomingMessage, res: ServerResponse, principal: Principal | undefined): void {
    const t0 = performance.now();
    readBody(req, MAX_BODY_BYTES, (tooLarge, body) => {
      if (tooLarge) {
        // The rest of the body is not read: close the connection rather than drain a megabyte-plus.
        return refuse(
          res,
          413,
          {
            error: 'payload_too_large',
            field: '(payload)',
            reason: `request body is over the ${MAX_BODY_BYTES}-byte limit; send at most ${MAX_BODY_BYTES} bytes per request`,
          },
          '(payload)',
          { connection: 'close' },
        );
      }
      let value: unknown;
      try {
        value = JSON.parse(body.toString('utf8'));
      } catch (e) {
        return refuse(
          res,
          400,
          { error: 'malformed_json', field: '(payload)', reason: `malformed JSON: ${(e as Error).message}` },
          '(payload)',
        );
      }
      const batch = Array.isArray(value);
      if (!batch && body.length > MAX_EVENT_BYTES) {
        return refuse(
          res,
          413,
          {
            error: 'payload_too_large',
            field: '(payload)',
            reason: `event of ${body.length} bytes is over the ${MAX_EVENT_BYTES}-byte limit`,
          },
          '(payload)',
        );
      }
      const list = batch ? (value as unknown[]) : [value];
      if (list.length === 0)
        return refuse(
          res,
          400,
          { error: 'empty_batch', field: '(payload)', reason: 'expected one event or a non-empty array of events' },
          '(payload)',
        );
      const events: StatusEvent[] = new Array(list.length);
      const note = batch ? { note: 'no event of this batch was applied' } : {};
      for (let i = 0; i < list.length; i++) {
        const check = checkEvent(list[i]);
        if (!check.ok) {
          return refuse(
            res,
            400,
            {
              error: 'invalid_event',
              field: check.field,
              reason: check.reason,
              ...(batch ? { index: i } : {}),
              ...note,
            },
            check.field,
          );
        }
        if (principal && !mayReportFor(principal, check.event.deviceId)) {
          return refuse(
            res,
            403,
            {
              error: 'forbidden',
              field: 'deviceId',
              ...(batch ? { index: i } : {}),
              ...note,
              reason: `this token belongs to device "${(principal as { deviceId: string }).deviceId}", which may not report for device "${check.event.deviceId}"`,
            },
            'acl',
          );
        }
        events[i] = check.event;
      }
      ingestor.ingestBatch(events, Date.now(), (out) => {
        metrics.httpRequests++;
        metrics.ingest.record((performance.now() - t0) * 1000);
        sendJson(res, 200, out);
      });
    });
  }

  /** Admin-token reads; the principal for a POST; false when the request was answered (refused). */
  function authorize(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    write: boolean,
  ): Principal | undefined | false {
    if (write ? !auth.enabled : !auth.readsNeedAuth) return undefined;
    // A browser cannot set a header on a page load, so the live page may pass ?token= instead.
    const header =
      req.headers.authorization ??
      (!write && url.searchParams.has('token') ? `Bearer ${url.searchParams.get('token')}` : undefined);
    const p = auth.bearer(header);
    if (!p || (!write && p.kind !== 'admin')) {
      metrics.authFailures++;
      log.warn(
        { transport: 'http', path: url.pathname, hasCredentials: Boolean(header) },
        'request refused: credentials',
      );
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
    return p;
  }

  function read(res: ServerResponse, path: string, url: URL): boolean {
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(LIVE_PAGE_HTML);
      return true;
    }
    if (path === '/metrics') {
      const text = metrics.render(store.counters, {
        mqttClients: d.mqttClients(),
        pairs: store.pairs,
        apps: store.appIds().length,
      });
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(text);
      return true;
    }
    if (path === '/v1/stats') {
      sendJson(res, 200, {
        ...store.counters,
        pairs: store.pairs,
        simNow: store.simNow,
        mqttClients: d.mqttClients(),
        latency: { endToEnd: metrics.endToEnd.summary(), ingest: metrics.ingest.summary() },
      });
      return true;
    }
    if (path === '/v1/apps') {
      sendJson(res, 200, { apps: store.appIds().map((id) => ({ appId: id, total: store.appTallies(id).total })) });
      return true;
    }
    if (path === '/v1/overview') {
      sendJson(res, 200, {
        counters: store.counters,
        pairs: store.pairs,
        simNow: store.simNow,
        mqttClients: d.mqttClients(),
        apps: store.appIds().map((id) => store.appTallies(id)),
      });
      return true;
    }
    if (path === '/v1/platforms/tallies') {
      sendJson(res, 200, { platforms: store.platformTallies() });
      return true;
    }
    const m = /^\/v1\/apps\/([^/]+)\/(tallies|devices)(?:\/([^/]+)\/history)?$/.exec(path);
    if (!m) return false;
    const appId = decodeURIComponent(m[1]!);
    if (m[2] === 'tallies' && !m[3]) {
      sendJson(res, 200, store.appTallies(appId));
    } else if (m[2] === 'devices' && m[3]) {
      const h = deviceHistory(store, appId, decodeURIComponent(m[3]));
      if (h) sendJson(res, 200, h);
      else
        sendJson(res, 404, {
          error: 'not_found',
          field: 'deviceId',
          reason: `no event of device "${decodeURIComponent(m[3])}" for app "${appId}" was accepted`,
        });
    } else if (m[2] === 'devices') {
      const f = parseDeviceFilter(url.searchParams);
      if (f.ok) sendJson(res, 200, listDevices(store, appId, f.filter));
      else sendJson(res, 400, { error: 'invalid_query', field: f.field, reason: f.reason });
    } else {
      return false;
    }
    return true;
  }

  const eventsUrl = new URL('/v1/events', 'http://x');
  return function handle(req: IncomingMessage, res: ServerResponse): void {
    // The hot path (a device's POST) skips WHATWG URL parsing, which costs more than the event check.
    const url = req.url === '/v1/events' ? eventsUrl : new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/healthz') {
      const draining = d.draining();
      return sendJson(res, draining ? 503 : 200, { ok: !draining, draining, durable: d.durable, pairs: store.pairs });
    }
    if (req.method === 'POST' && path === '/v1/events') {
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
      const p = authorize(req, res, url, true);
      if (p === false) return;
      return postEvents(req, res, p);
    }
    if (req.method === 'GET') {
      if (authorize(req, res, url, false) === false) return;
      if (read(res, path, url)) return;
    }
    if (d.hooks?.route?.(req, res, url)) return;
    sendJson(res, 404, {
      error: 'not_found',
      field: '(path)',
      reason: `no route ${req.method} ${path}; docs/protocol.md lists the API`,
    });
  };
}
