/**
 * The read side of the HTTP API: the live page, /metrics, stats, apps, overview, tallies, devices
 * and one device's history. Path segments are decoded without throwing: a malformed escape is a
 * 400 naming the segment.
 */
import type { ServerResponse } from 'node:http';
import type { EndpointMetrics } from './endpoint-metrics.js';
import { sendJson } from './http-reply.js';
import { LIVE_PAGE_HTML } from './live-page.js';
import { deviceHistory, listDevices, parseDeviceFilter } from './queries.js';
import { decodeSegment } from './request-target.js';
import type { TallyStore } from './store.js';

export interface ReadDeps {
  store: TallyStore;
  metrics: EndpointMetrics;
  mqttClients: () => number;
}

const APP_ROUTE = /^\/v1\/apps\/([^/]+)\/(tallies|devices)(?:\/([^/]+)\/history)?$/;

/** The fixed GET paths (createReads answers each; the type keeps the two lists one). */
const FIXED_PATHS = ['/', '/metrics', '/v1/stats', '/v1/apps', '/v1/overview', '/v1/platforms/tallies'] as const;
const FIXED = new Set<string>(FIXED_PATHS);

/** Whether a GET of `path` is a read route (for 405 and its Allow header on other methods). */
export function isReadPath(path: string): boolean {
  return FIXED.has(path) || APP_ROUTE.test(path);
}

/** Answers a GET it knows and returns true; false for a path it does not know. */
export function createReads(d: ReadDeps) {
  const { store, metrics } = d;
  const fixed: Record<(typeof FIXED_PATHS)[number], (res: ServerResponse) => void> = {
    '/': (res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(LIVE_PAGE_HTML);
    },
    '/metrics': (res) => {
      const text = metrics.render(store.counters, {
        mqttClients: d.mqttClients(),
        pairs: store.pairs,
        apps: store.appIds().length,
      });
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(text);
    },
    '/v1/stats': (res) =>
      sendJson(res, 200, {
        ...store.counters,
        pairs: store.pairs,
        simNow: store.simNow,
        mqttClients: d.mqttClients(),
        latency: { endToEnd: metrics.endToEnd.summary(), ingest: metrics.ingest.summary() },
      }),
    '/v1/apps': (res) =>
      sendJson(res, 200, { apps: store.appIds().map((id) => ({ appId: id, total: store.appTallies(id).total })) }),
    '/v1/overview': (res) =>
      sendJson(res, 200, {
        counters: store.counters,
        pairs: store.pairs,
        simNow: store.simNow,
        mqttClients: d.mqttClients(),
        apps: store.appIds().map((id) => store.appTallies(id)),
      }),
    '/v1/platforms/tallies': (res) => sendJson(res, 200, { platforms: store.platformTallies() }),
  };

  return function read(res: ServerResponse, path: string, query: URLSearchParams): boolean {
    const f = FIXED.has(path) ? fixed[path as (typeof FIXED_PATHS)[number]] : undefined;
    if (f) {
      f(res);
      return true;
    }
    const m = APP_ROUTE.exec(path);
    if (!m) return false;
    const app = decodeSegment(m[1]!, 'the app id');
    const device = m[3] === undefined ? undefined : decodeSegment(m[3], 'the device id');
    const bad = !app.ok ? app : device && !device.ok ? device : undefined;
    if (bad && !bad.ok) {
      sendJson(res, 400, { error: 'invalid_path', field: '(path)', reason: bad.reason });
      return true;
    }
    const appId = (app as { value: string }).value;
    if (m[2] === 'tallies' && !device) {
      sendJson(res, 200, store.appTallies(appId));
    } else if (m[2] === 'devices' && device) {
      const deviceId = (device as { value: string }).value;
      const h = deviceHistory(store, appId, deviceId);
      if (h) sendJson(res, 200, h);
      else
        sendJson(res, 404, {
          error: 'not_found',
          field: 'deviceId',
          reason: `no event of device ${JSON.stringify(deviceId)} for app ${JSON.stringify(appId)} was accepted`,
        });
    } else if (m[2] === 'devices') {
      const filter = parseDeviceFilter(query);
      if (filter.ok) sendJson(res, 200, listDevices(store, appId, filter.filter));
      else sendJson(res, 400, { error: 'invalid_query', field: filter.field, reason: filter.reason });
    } else {
      return false;
    }
    return true;
  };
}
