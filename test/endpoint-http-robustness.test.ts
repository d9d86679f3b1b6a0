/**
 * No request stops `fleetsim serve`: malformed percent-escapes and unparsable request lines are a
 * 400 with a reason, and the process keeps answering. Plus the HTTP limits and credential rules
 * of docs/endpoint.md ("Limits", "What is refused"). Each case failed before these changes
 * (the first two killed the process).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { tempDir } from './helpers.js';
import { getJson, postJson } from './helpers/endpoint-client.js';
import { event } from './helpers/endpoint-events.js';
import { closedByServer, exchange, openSocket, parseHttp } from './helpers/raw-socket.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';

const AUTH = { fleetToken: 'fleet-token-robust', adminToken: 'admin-token-robust', deviceSecret: 'secret-robust' };
let serve: ServeProcess;
const ADMIN = { authorization: `Bearer ${AUTH.adminToken}` };

beforeAll(async () => {
  const file = join(tempDir(), 'auth.json');
  writeFileSync(file, JSON.stringify(AUTH));
  serve = await startServe(['--auth-file', file]);
});
afterAll(async () => {
  serve.child.kill('SIGTERM');
  await serve.exited;
});

async function alive(): Promise<void> {
  expect(serve.child.exitCode).toBeNull();
  expect((await getJson(serve.httpUrl, '/healthz')).status).toBe(200);
}

describe('[G9][G10] fleetsim serve survives what used to kill it', () => {
  it.each([
    '/v1/apps/x/devices/%E0%A4%A/history',
    '/v1/apps/%E0%A4%A/tallies',
    '/v1/apps/%/devices',
    '/v1/apps/%ZZ/tallies',
    '/v1/apps/%C0%AF/tallies',
    '/v1/apps/x/devices/%ED%A0%80/history',
  ])('GET %s: 400 naming the bad escape, and serve keeps answering', async (path) => {
    const raw = await exchange(
      serve.httpUrl,
      `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${AUTH.adminToken}\r\nConnection: close\r\n\r\n`,
    );
    const { status, body } = parseHttp(raw);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_path', field: '(path)' });
    expect(body.reason).toMatch(/malformed percent-escape/);
    await alive();
  });

  it.each(['http://[', 'http://[::1', '*', 'ftp://x/y', 'x'])(
    'the request line "GET %s HTTP/1.1" with every token configured: 400, alive',
    async (target) => {
      const raw = await exchange(serve.httpUrl, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(parseHttp(raw).status).toBe(400);
      await alive();
    },
  );

  it('an absolute-form target that parses is served like its path', async () => {
    const raw = await exchange(
      serve.httpUrl,
      `GET http://x/v1/apps/com.acme.mail/tallies HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${AUTH.adminToken}\r\nConnection: close\r\n\r\n`,
    );
    expect(parseHttp(raw)).toMatchObject({ status: 200, body: { appId: 'com.acme.mail' } });
  });
});

describe('[G10] credentials over HTTP', () => {
  it('the bearer scheme is case-insensitive', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer'])
      expect(
        (
          await postJson(serve.httpUrl, '/v1/events', event({ deviceId: 'ios-000301' }), {
            authorization: `${scheme} ${AUTH.fleetToken}`,
          })
        ).status,
      ).toBe(200);
  });

  it('the admin token reads but never writes: a POST with it is 403 and changes nothing', async () => {
    const before = (await getJson(serve.httpUrl, '/v1/stats', ADMIN)).body.accepted;
    const r = await postJson(serve.httpUrl, '/v1/events', event({ deviceId: 'ios-000302' }), ADMIN);
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: 'forbidden', field: 'authorization' });
    expect((await getJson(serve.httpUrl, '/v1/stats', ADMIN)).body.accepted).toBe(before);
  });
});

describe('[G10] request bodies', () => {
  const fleet = { authorization: `Bearer ${AUTH.fleetToken}` };

  it('Content-Encoding gzip (or any encoding but identity) is 415, nothing parsed', async () => {
    const body = gzipSync(JSON.stringify(event({ deviceId: 'ios-000303' })));
    for (const enc of ['gzip', 'br', 'deflate, gzip']) {
      const r = await postJson(serve.httpUrl, '/v1/events', body, { ...fleet, 'content-encoding': enc });
      expect(r.status).toBe(415);
      expect(r.body).toMatchObject({ error: 'unsupported_encoding', field: '(payload)' });
    }
    const plain = JSON.stringify(event({ deviceId: 'ios-000303' }));
    expect(
      (await postJson(serve.httpUrl, '/v1/events', plain, { ...fleet, 'content-encoding': 'identity' })).status,
    ).toBe(200);
  });

  it('the 4 KiB event limit holds inside an array too, naming the index', async () => {
    const big = { ...event({ deviceId: 'ios-000304', seq: 2 }), pad: 'x'.repeat(5000) };
    const r = await postJson(serve.httpUrl, '/v1/events', [event({ deviceId: 'ios-000304' }), big], fleet);
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ error: 'payload_too_large', index: 1 });
  });

  it('invalid UTF-8 is refused with its byte offset', async () => {
    const text = Buffer.from(JSON.stringify(event({ deviceId: 'ios-000305', appVersion: 'AB' })));
    const at = text.indexOf('AB');
    text[at] = 0xff;
    const r = await postJson(serve.httpUrl, '/v1/events', text, fleet);
    expect(r.status).toBe(400);
    expect(r.body.reason).toContain(`byte offset ${at}`);
  });
});

describe('[G12] HTTP connection limits (in process, small limits)', () => {
  let ep: Endpoint;
  beforeAll(async () => {
    ep = await startEndpoint({ limits: { maxHttpConnections: 4, headersTimeoutMs: 300, requestTimeoutMs: 600 } });
  });
  afterAll(async () => ep.close());

  it('headers that never finish (slowloris) are cut off by headersTimeout', async () => {
    const s = await openSocket(ep.httpUrl);
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const answer: string[] = [];
    s.on('data', (d) => answer.push(d.toString()));
    await closedByServer(s);
    expect(answer.join('')).toMatch(/^HTTP\/1\.1 408/);
  });

  it('a body that never finishes is cut off by requestTimeout', async () => {
    const s = await openSocket(ep.httpUrl);
    s.write(
      'POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"v":1',
    );
    await closedByServer(s);
    expect(ep.store.counters.accepted).toBe(0);
  });

  it('past maxHttpConnections a new connection is closed at once; one freed is usable again', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => openSocket(ep.httpUrl)));
    // Each held socket sends a slow request, so the server counts it as busy until the timeout.
    const extra = await openSocket(ep.httpUrl);
    await closedByServer(extra);
    for (const s of held) s.destroy();
    // The server sees the closes asynchronously: retry until a request goes through.
    let status = 0;
    while (status !== 200) status = (await getJson(ep.httpUrl, '/healthz').catch(() => ({ status: 0 }))).status;
    expect(status).toBe(200);
  });
});
