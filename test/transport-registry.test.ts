import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../agent/scenario/load.js';
import type { IngestSink } from '../protocol/ingest-sink.js';
import { parseLocalAddresses } from '../transport/kinds/local-address.js';
import { TRANSPORT_KINDS, TRANSPORTS, talliesAtTarget, targetUrl } from '../transport/kinds/kinds.js';
import { createTransport, transportOptions } from '../transport/registry.js';
import { ROOT, SMALL_SCENARIO, sourceFiles } from './helpers.js';

const scenario = parseScenario(SMALL_SCENARIO, 'small.yaml');
/** What the runner hands an in-process transport; building one needs no more. */
const sink: IngestSink = { authRequired: false, open: () => ({ ok: false, reason: 'not used here' }) };

describe('transport registry', () => {
  it.each(TRANSPORT_KINDS)('builds a %s transport whose kind is its key', async (kind) => {
    const t = createTransport(kind, TRANSPORTS[kind].exampleUrl, scenario, {}, undefined, sink);
    expect(t.kind).toBe(kind);
    await t.close();
  });

  it.each(TRANSPORT_KINDS)('lets %s reach every scheme it declares and no scheme of another kind', (kind) => {
    for (const scheme of TRANSPORTS[kind].schemes) expect(targetUrl(kind, `${scheme}://127.0.0.1:1`).port).toBe('1');
    for (const other of TRANSPORT_KINDS.filter((k) => k !== kind))
      for (const scheme of TRANSPORTS[other].schemes.filter((s) => !TRANSPORTS[kind].schemes.includes(s)))
        expect(() => targetUrl(kind, `${scheme}://127.0.0.1:1`)).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => targetUrl(kind, 'not a url')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('reads tallies at the origin of an HTTP target only', () => {
    expect(talliesAtTarget('http', new URL('http://127.0.0.1:8080/x'))).toBe('http://127.0.0.1:8080');
    expect(talliesAtTarget('mqtt', new URL('mqtt://127.0.0.1:1883'))).toBeUndefined();
  });

  it('gives every flag one owner: no two transports declare the same flag', () => {
    const names = TRANSPORT_KINDS.flatMap((k) => Object.keys(TRANSPORTS[k].flags));
    expect(new Set(names).size).toBe(names.length);
    for (const k of TRANSPORT_KINDS)
      for (const f of Object.values(TRANSPORTS[k].flags))
        expect(Object.keys(TRANSPORTS[k].options.shape)).toContain(f.option);
  });

  it('fills in defaults, lets flags win, and refuses a bad flag value with a usage error', () => {
    expect(transportOptions('http', scenario)).toEqual({ connections: 64, pipelining: 1, batch: 1 });
    expect(transportOptions('http', scenario, { batch: 20, qos: 0 })).toEqual({
      connections: 64,
      pipelining: 1,
      batch: 20,
    });
    expect(transportOptions('mqtt', scenario, { qos: 2 })).toMatchObject({ qos: 2, keepalive: 60, cleanSession: true });
    expect(() => transportOptions('http', scenario, { connections: 0 })).toThrow(
      expect.objectContaining({ code: 'USAGE' }),
    );
  });

  it("keeps transport knowledge in the declarations: outside a transport's own folder no source compares a transport kind", () => {
    const kinds = TRANSPORT_KINDS.join('|');
    const compares = new RegExp(
      `(transport|kind|Kind)\\)?\\s*[!=]==\\s*['"\`](${kinds})['"\`]|['"\`](${kinds})['"\`]\\s*[!=]==\\s*\\w*(transport|kind)`,
    );
    const own = new RegExp(`^transport/(kinds|${kinds}|mqtt-lean)/`);
    const offenders = sourceFiles(ROOT)
      .filter((f) => !own.test(f))
      .flatMap((f) =>
        readFileSync(join(ROOT, f), 'utf8')
          .split('\n')
          .flatMap((line, i) => (compares.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(offenders).toEqual([]);
  });

  it('declares how each transport routes events and holds connections, which sizing and network faults read', () => {
    expect([TRANSPORTS.mqtt.route, TRANSPORTS.mqtt.connections]).toEqual(['topic', 'per-device']);
    expect([TRANSPORTS.http.route, TRANSPORTS.http.connections]).toEqual(['path', 'pooled']);
    expect([TRANSPORTS.memory.route, TRANSPORTS.memory.connections]).toEqual(['none', 'none']);
    expect(TRANSPORTS.http.sharedBy?.(TRANSPORTS.http.options.parse({}))).toBeUndefined();
    expect(TRANSPORTS.http.sharedBy?.(TRANSPORTS.http.options.parse({ batch: 5 }))).toMatch(/HTTP batches of 5/);
    expect(TRANSPORTS.mqtt.sharedBy?.(TRANSPORTS.mqtt.options.parse({}))).toBeUndefined();
  });
});

describe('local addresses', () => {
  it('tell an IPv4 address as node:net does, without loading it', () => {
    for (const a of [
      '127.0.0.1',
      '255.255.255.255',
      '0.0.0.0',
      '256.0.0.1',
      '01.0.0.1',
      '1.2.3',
      '1.2.3.4.5',
      '::1',
      'a.b.c.d',
    ]) {
      let ok: boolean;
      try {
        parseLocalAddresses(a);
        ok = true;
      } catch {
        ok = false;
      }
      expect(ok, a).toBe(isIPv4(a));
    }
  });
});
