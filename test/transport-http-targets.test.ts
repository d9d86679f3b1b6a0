/**
 * The HTTP transport against services that are not ours: the wire's method, path and headers,
 * one report in flight per device in seq order, and a client certificate per device over HTTPS,
 * which a server that checks them refuses when a device presents another device's certificate.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { HttpTransport } from '../transport/http/http.js';
import { resolveTls } from '../transport/tls/tls-options.js';
import { tempDir } from './helpers.js';
import { makeTestCa, pemOf } from './helpers/test-ca.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function listen(server: ReturnType<typeof createHttpServer>, handler: Handler, scheme: string): Promise<string> {
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function send(t: HttpTransport, device: string, payload: string, path?: string): Promise<Error | undefined> {
  return new Promise((r) => t.send(device, 'a', payload, r, path));
}

describe('an HTTP target of its own shape', () => {
  it("sends with the wire's method, per-event path and extra headers", async () => {
    const seen: string[] = [];
    const server = createHttpServer();
    const url = await listen(
      server,
      (req, body, res) => {
        seen.push(`${req.method} ${req.url} ${req.headers['x-tenant']} ${req.headers['content-type']} ${body}`);
        res.writeHead(202).end();
      },
      'http',
    );
    const t = new HttpTransport({
      url,
      method: 'PUT',
      headers: { 'X-Tenant': 'eu' },
      contentType: 'application/vnd.acme+json',
    });
    expect(await send(t, 'ios-1', '{"a":1}', '/api/v2/devices/ios-1/status')).toBeUndefined();
    await t.close();
    server.close();
    expect(seen).toEqual(['PUT /api/v2/devices/ios-1/status eu application/vnd.acme+json {"a":1}']);
  });

  it('keeps one request in flight per device, in seq order, however the server delays answers', async () => {
    const inFlight = new Map<string, number>();
    const arrived = new Map<string, number[]>();
    let overlap = 0;
    const server = createHttpServer();
    const url = await listen(
      server,
      (_req, body, res) => {
        const { d, seq } = JSON.parse(body) as { d: string; seq: number };
        if ((inFlight.get(d) ?? 0) > 0) overlap++;
        inFlight.set(d, (inFlight.get(d) ?? 0) + 1);
        arrived.set(d, [...(arrived.get(d) ?? []), seq]);
        // later reports answered sooner: an unordered sender would overtake itself
        setTimeout(
          () => {
            inFlight.set(d, inFlight.get(d)! - 1);
            res.end('{}');
          },
          20 - seq * 3,
        );
      },
      'http',
    );
    const t = new HttpTransport({ url, connections: 16, pipelining: 4 });
    const all: Promise<Error | undefined>[] = [];
    for (let seq = 1; seq <= 5; seq++)
      for (let d = 0; d < 10; d++) all.push(send(t, `dev-${d}`, JSON.stringify({ d: `dev-${d}`, seq })));
    expect((await Promise.all(all)).every((e) => e === undefined)).toBe(true);
    await t.close();
    server.close();
    expect(overlap).toBe(0);
    for (let d = 0; d < 10; d++) expect(arrived.get(`dev-${d}`)).toEqual([1, 2, 3, 4, 5]);
  });

  it('without ordering (fault injection) a device does overtake itself', async () => {
    const arrived: number[] = [];
    const server = createHttpServer();
    const url = await listen(
      server,
      (_req, body, res) => {
        const { seq } = JSON.parse(body) as { seq: number };
        setTimeout(
          () => {
            arrived.push(seq);
            res.end('{}');
          },
          30 - seq * 5,
        );
      },
      'http',
    );
    const t = new HttpTransport({ url, connections: 8, ordered: false });
    await Promise.all([1, 2, 3, 4, 5].map((seq) => send(t, 'dev', JSON.stringify({ seq }))));
    await t.close();
    server.close();
    expect(arrived).not.toEqual([1, 2, 3, 4, 5]);
  });
});

describe('a client certificate per device over HTTPS', () => {
  it('each device presents its own identity; a server that checks them refuses another device’s certificate', async () => {
    const dir = tempDir();
    const server_ = makeTestCa(dir, 'ec', 'Server CA');
    const devices = makeTestCa(tempDir(), 'ec', 'Device CA');
    const server = createHttpsServer({
      cert: pemOf(server_.serverCert),
      key: pemOf(server_.serverKey),
      ca: pemOf(devices.caCert),
      requestCert: true,
      rejectUnauthorized: true,
    });
    const cns = new Set<string>();
    const url = await listen(
      server as unknown as ReturnType<typeof createHttpServer>,
      (req, _body, res) => {
        const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
        cns.add(String(cn));
        const device = req.url!.split('/')[2];
        if (cn !== device) res.writeHead(403).end(`certificate is for ${cn}, not ${device}`);
        else res.writeHead(204).end();
      },
      'https',
    );
    const tls = resolveTls(
      { ca: server_.caCert, clientCerts: { mint: { caCert: devices.caCert, caKey: devices.caKey } } },
      Date.now,
    );
    const t = new HttpTransport({ url, tls });
    await t.preflight();
    const ok = await Promise.all(['ios-1', 'ios-2', 'ios-3'].map((d) => send(t, d, '{}', `/devices/${d}/status`)));
    expect(ok).toEqual([undefined, undefined, undefined]);
    expect(t.stats().peakConnections).toBe(3);
    for (const d of ['ios-1', 'ios-2', 'ios-3']) t.deviceDone(d);
    expect(t.connections()).toBe(0);
    // ios-4 sends with ios-1's certificate: refused
    const wrong = { ...tls, identityFor: (id: string) => tls.identityFor!(id === 'ios-4' ? 'ios-1' : id) };
    const t2 = new HttpTransport({ url, tls: wrong });
    const err = await send(t2, 'ios-4', '{}', '/devices/ios-4/status');
    expect(err?.message).toContain('HTTP 403');
    expect(err?.message).toContain('certificate is for ios-1, not ios-4');
    await Promise.all([t.close(), t2.close()]);
    server.close();
    expect([...cns].sort()).toEqual(['fleetsim-preflight', 'ios-1', 'ios-2', 'ios-3']);
  });

  it('a server certificate from an unknown CA fails the preflight saying what to fix', async () => {
    const ca = makeTestCa(tempDir());
    const server = createHttpsServer({ cert: pemOf(ca.serverCert), key: pemOf(ca.serverKey) });
    const url = await listen(
      server as unknown as ReturnType<typeof createHttpServer>,
      (_q, _b, res) => res.end(),
      'https',
    );
    const t = new HttpTransport({ url, tls: resolveTls({}, Date.now) });
    await expect(t.preflight()).rejects.toThrow(/TLS handshake with https:\/\/127\.0\.0\.1:\d+ failed: .*tls\.ca/);
    const insecure = new HttpTransport({ url, tls: resolveTls({ insecure: true }, Date.now) });
    await insecure.preflight();
    await Promise.all([t.close(), insecure.close()]);
    server.close();
  });
});
