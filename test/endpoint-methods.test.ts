/**
 * HTTP methods on the endpoint: a route that exists with another method answers 405 with an
 * Allow header (not 404, which says the path is wrong); HEAD works wherever GET does, so load
 * balancers and probes can use HEAD /healthz.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';

let ep: Endpoint;
beforeAll(async () => {
  ep = await startEndpoint();
});
afterAll(async () => {
  await ep?.close();
});

async function call(method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE', path: string) {
  const res = await request(new URL(path, ep.httpUrl), { method });
  const body = await res.body.text();
  return { status: res.statusCode, allow: res.headers.allow, body };
}

describe('endpoint HTTP methods', () => {
  it('answers HEAD /healthz like GET, without a body', async () => {
    const head = await call('HEAD', '/healthz');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect((await call('HEAD', '/metrics')).status).toBe(200);
  });

  it('answers a wrong method on a real route with 405 and Allow', async () => {
    for (const [method, path, allow] of [
      ['GET', '/v1/events', 'POST'],
      ['DELETE', '/v1/events', 'POST'],
      ['POST', '/healthz', 'GET, HEAD'],
      ['PUT', '/v1/apps/com.acme.mail/tallies', 'GET, HEAD'],
      ['DELETE', '/metrics', 'GET, HEAD'],
    ] as const) {
      const r = await call(method, path);
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.allow, `${method} ${path}`).toBe(allow);
      expect(JSON.parse(r.body)).toMatchObject({ error: 'method_not_allowed', field: '(method)' });
    }
  });

  it('still answers 404 for a path that is no route', async () => {
    const r = await call('GET', '/v2/nothing');
    expect(r.status).toBe(404);
    expect(r.allow).toBeUndefined();
    expect((await call('DELETE', '/v2/nothing')).status).toBe(404);
  });
});
