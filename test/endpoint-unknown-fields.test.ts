/**
 * Unknown field names are a client's text: they never become object keys that collide with
 * Object.prototype, never grow a label set, and are shown cut short. Before this change
 * "constructor" printed `function Object() { [native code] }1` in /metrics and every distinct
 * name was kept, echoed and exported forever.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { UNKNOWN_FIELD_NAMES } from '../broker/store.js';
import { getJson, postJson } from './helpers/endpoint-client.js';
import { event } from './helpers/endpoint-events.js';

let ep: Endpoint;
beforeAll(async () => {
  ep = await startEndpoint();
});
afterAll(async () => ep.close());

/** Every sample line of the exposition: name{labels} value, the value a number. */
function samplesAreNumbers(text: string): boolean {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .every((l) => /^[a-z_]+(\{[^}]*\})? -?[0-9.e+]+$|^[a-z_]+(\{[^}]*\})? \+Inf$/.test(l));
}

describe('[G10] unknown field names', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__', '__defineGetter__'])(
    '%s is refused and counted as a number; /metrics stays parseable',
    async (name) => {
      const body = `{${JSON.stringify(event({ deviceId: 'ios-000401' })).slice(1, -1)},${JSON.stringify(name)}:1}`;
      const r = await postJson(ep.httpUrl, '/v1/events', body);
      expect(r.status).toBe(400);
      expect(r.body.reason).toMatch(/unknown field/);
      const metrics = (await getJson(ep.httpUrl, '/metrics')).body as string;
      expect(metrics).not.toMatch(/native code/);
      expect(samplesAreNumbers(metrics)).toBe(true);
      const stats = (await getJson(ep.httpUrl, '/v1/stats')).body;
      expect(typeof stats.rejectedByReason['(unknown field)']).toBe('number');
      expect(stats.unknownFields[name]).toBeGreaterThanOrEqual(1);
    },
  );

  it('300 distinct long names: a bounded label set, bounded replies, bounded stats', async () => {
    for (let i = 0; i < 300; i++) {
      const name = `f${i}-${'y'.repeat(3000)}`;
      const body = `[{${JSON.stringify(event({ deviceId: 'ios-000402' })).slice(1, -1)},${JSON.stringify(name)}:1}]`;
      const r = await postJson(ep.httpUrl, '/v1/events', body);
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body).length).toBeLessThan(1000);
    }
    const stats = (await getJson(ep.httpUrl, '/v1/stats')).body;
    expect(Object.keys(stats.unknownFields).length).toBeLessThanOrEqual(UNKNOWN_FIELD_NAMES + 1);
    expect(stats.unknownFields['(other)']).toBeGreaterThan(0);
    for (const k of Object.keys(stats.unknownFields)) expect(k.length).toBeLessThanOrEqual(64);
    const metrics = (await getJson(ep.httpUrl, '/metrics')).body as string;
    const reasons = metrics.split('\n').filter((l) => l.startsWith('fleetsim_events_rejected_total{'));
    expect(reasons.length).toBeLessThanOrEqual(20);
    expect(metrics.length).toBeLessThan(20_000);
  });
});
