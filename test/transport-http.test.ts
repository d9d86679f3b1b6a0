/**
 * The HTTP transport against a real HTTP server on port 0: batching, retries on 429/503 that
 * honour Retry-After, failures that name the status, and timeouts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpTransport } from '../transport/http/http.js';
import { SendError } from '../transport/types.js';
import { retryAfterMs } from '../transport/backoff.js';
import { ManualClock } from '../core/clock.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function sendAll(t: HttpTransport, n: number): Promise<(Error | undefined)[]> {
  return Promise.all(
    Array.from(
      { length: n },
      (_, i) => new Promise<Error | undefined>((r) => t.send('d', 'a', JSON.stringify({ i }), r)),
    ),
  );
}

describe('the HTTP transport', () => {
  it('batches the events of one turn into JSON arrays of at most `batch`', async () => {
    const bodies: unknown[] = [];
    const url = await serve((_req, body, res) => {
      bodies.push(JSON.parse(body));
      res.end('{}');
    });
    const t = new HttpTransport({ url, batch: 40 });
    const results = await sendAll(t, 100);
    await t.close();
    expect(results.every((e) => e === undefined)).toBe(true);
    expect(bodies.map((b) => (b as unknown[]).length)).toEqual([40, 40, 20]);
    expect((bodies as { i: number }[][]).flat().map((e) => e.i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('retries 429 and 503 answers, honouring Retry-After, and then succeeds', async () => {
    let calls = 0;
    const url = await serve((_req, _body, res) => {
      calls++;
      if (calls === 1) res.writeHead(429, { 'retry-after': '0' }).end('slow down');
      else if (calls === 2) res.writeHead(503).end('busy');
      else res.end('{}');
    });
    const t = new HttpTransport({ url, retryBackoff: { baseMs: 1, maxMs: 5 } });
    let congestion = 0;
    t.onCongestion = () => congestion++;
    const [err] = await sendAll(t, 1);
    await t.close();
    expect(err).toBeUndefined();
    expect(calls).toBe(3);
    expect(t.stats().retries).toBe(2);
    expect(congestion).toBe(2);
  });

  it('waits out a Retry-After given as an HTTP date on its clock before retrying', async () => {
    const clock = new ManualClock(Date.parse('2030-01-01T00:00:00Z'));
    let calls = 0;
    const url = await serve((_req, _body, res) => {
      calls++;
      if (calls === 1) res.writeHead(503, { 'retry-after': new Date(clock.now() + 5_000).toUTCString() }).end('busy');
      else res.end('{}');
    });
    const t = new HttpTransport({ url, clock });
    const done = sendAll(t, 1);
    while (clock.pending === 0) await new Promise((r) => setTimeout(r, 5));
    clock.advance(4_999);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBe(1);
    clock.advance(1);
    const [err] = await done;
    await t.close();
    expect(err).toBeUndefined();
    expect(calls).toBe(2);
  });

  it('gives up after maxRetries with an overload error, and fails a 400 at once', async () => {
    const url = await serve((_req, body, res) => {
      if (body.includes('"bad"')) res.writeHead(400).end('{"field":"status"}');
      else res.writeHead(503).end('busy');
    });
    const t = new HttpTransport({ url, maxRetries: 2, retryBackoff: { baseMs: 1, maxMs: 2 } });
    const overloaded = await new Promise<Error | undefined>((r) => t.send('d', 'a', '{}', r));
    const refused = await new Promise<Error | undefined>((r) => t.send('d', 'a', '{"bad":1}', r));
    await t.close();
    expect(overloaded).toBeInstanceOf(SendError);
    expect((overloaded as SendError).kind).toBe('overload');
    expect(t.stats().retries).toBe(2);
    expect((refused as SendError).kind).toBe('refused');
    expect(refused!.message).toContain('400');
  });

  it('fails an event whose answer never comes, as a timeout', async () => {
    const url = await serve(() => undefined);
    const t = new HttpTransport({ url, timeoutMs: 100, maxRetries: 0 });
    const err = await new Promise<Error | undefined>((r) => t.send('d', 'a', '{}', r));
    await t.close();
    expect((err as SendError).kind).toBe('timeout');
    expect(t.stats().timeouts).toBe(1);
  });

  it('fails, at close(), an event waiting for its next attempt instead of leaving it unsettled', async () => {
    let calls = 0;
    const url = await serve((_req, _body, res) => {
      calls++;
      res.writeHead(503, { 'retry-after': '30' }).end('busy');
    });
    const t = new HttpTransport({ url });
    const result = new Promise<Error | undefined>((r) => t.send('d', 'a', '{}', r));
    while (t.stats().retries === 0) await new Promise((r) => setTimeout(r, 5));
    await t.close();
    const err = await result;
    expect((err as SendError).kind).toBe('network');
    expect(calls).toBe(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3', 0)).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
    expect(retryAfterMs(undefined, 0)).toBeUndefined();
  });
});
