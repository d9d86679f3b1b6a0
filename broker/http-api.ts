/**
 * The HTTP side of the embedded endpoint: `POST /v1/events` (one event or an array, validated
 * all-or-nothing), `GET /v1/apps`, `GET /v1/apps/{appId}/tallies`, `GET /v1/stats`, `GET /healthz`.
 * Errors are JSON: { error, field, reason, index? }.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkEvent, MAX_EVENT_BYTES, type StatusEvent } from '../protocol/event.js';
import type { TallyStore } from './store.js';

/** Largest accepted request body: a batch of events. */
export const MAX_BODY_BYTES = 1024 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number, cb: (err: { status: number; reason: string } | undefined, body?: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (c: Buffer) => {
    if (over) return;
    size += c.length;
    if (size > limit) {
      over = true;
      cb({ status: 413, reason: `request body is over the ${limit}-byte limit` });
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (!over) cb(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  });
  req.on('error', () => undefined);
}

export interface HttpApiHooks {
  /** Extra routes (issue-specific endpoints); return true when handled. */
  route?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
}

export function createHttpHandler(store: TallyStore, hooks: HttpApiHooks = {}) {
  function postEvents(req: IncomingMessage, res: ServerResponse): void {
    readBody(req, MAX_BODY_BYTES, (err, body) => {
      if (err) {
        store.reject('(payload)');
        return sendJson(res, err.status, { error: 'payload_too_large', field: '(payload)', reason: err.reason });
      }
      let value: unknown;
      try {
        value = JSON.parse(body!.toString('utf8'));
      } catch (e) {
        store.reject('(payload)');
        return sendJson(res, 400, { error: 'malformed_json', field: '(payload)', reason: `malformed JSON: ${(e as Error).message}` });
      }
      const list = Array.isArray(value) ? value : [value];
      if (list.length === 0) return sendJson(res, 400, { error: 'empty_batch', field: '(payload)', reason: 'expected one event or a non-empty array of events' });
      const events: StatusEvent[] = [];
      for (let i = 0; i < list.length; i++) {
        if (!Array.isArray(value) && body!.length > MAX_EVENT_BYTES) {
          store.reject('(payload)');
          return sendJson(res, 413, { error: 'payload_too_large', field: '(payload)', reason: `event of ${body!.length} bytes is over the ${MAX_EVENT_BYTES}-byte limit` });
        }
        const check = checkEvent(list[i]);
        if (!check.ok) {
          store.reject(check.field);
          return sendJson(res, 400, {
            error: 'invalid_event', field: check.field, reason: check.reason,
            ...(Array.isArray(value) ? { index: i, note: 'no event of this batch was applied' } : {}),
          });
        }
        events.push(check.event);
      }
      let accepted = 0;
      let duplicates = 0;
      let stale = 0;
      for (const e of events) {
        const r = store.ingest(e);
        if (r === 'accepted') accepted++;
        else if (r === 'duplicate') duplicates++;
        else stale++;
      }
      sendJson(res, 200, { accepted, duplicates, stale });
    });
  }

  return function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (req.method === 'POST' && path === '/v1/events') return postEvents(req, res);
    if (req.method === 'GET') {
      if (path === '/healthz') return sendJson(res, 200, { ok: true });
      if (path === '/v1/stats') return sendJson(res, 200, { ...store.counters, pairs: store.pairs });
      if (path === '/v1/apps') return sendJson(res, 200, { apps: store.appIds().map((id) => ({ appId: id, total: store.appTallies(id).total })) });
      const m = /^\/v1\/apps\/([^/]+)\/tallies$/.exec(path);
      if (m) return sendJson(res, 200, store.appTallies(decodeURIComponent(m[1]!)));
    }
    if (hooks.route?.(req, res, url)) return;
    sendJson(res, 404, { error: 'not_found', reason: `no route ${req.method} ${path}` });
  };
}
