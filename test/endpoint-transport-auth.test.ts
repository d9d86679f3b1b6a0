/**
 * The run's own transports against the endpoint with auth on: the MQTT transport with the fleet
 * token (each device its own clientId, so the ACL holds) and the HTTP transport with a bearer
 * token are accepted; without the right credentials they fail, and nothing is counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTransport } from '../transport/http/http.js';
import { MqttTransport } from '../transport/mqtt/mqtt.js';
import type { Transport } from '../transport/types.js';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { event } from './helpers/endpoint-events.js';

const TOKEN = 'fleet-token-transports';
let ep: Endpoint;
beforeAll(async () => {
  ep = await startEndpoint({ auth: { fleetToken: TOKEN } });
});
afterAll(async () => ep.close());

function sendAll(t: Transport, ids: string[]): Promise<(Error | undefined)[]> {
  return Promise.all(
    ids.map(
      (id) =>
        new Promise<Error | undefined>((r) => t.send(id, 'com.acme.mail', JSON.stringify(event({ deviceId: id })), r)),
    ),
  );
}

describe('transports with auth on', () => {
  it('MQTT with the fleet token: every device publishes as itself and is counted', async () => {
    const t = new MqttTransport({ url: ep.mqttUrl, username: 'fleet', password: TOKEN });
    await t.preflight();
    const ids = ['ios-000101', 'ios-000102', 'ios-000103'];
    expect(await sendAll(t, ids)).toEqual([undefined, undefined, undefined]);
    for (const id of ids) t.deviceDone(id);
    await t.close();
    for (const id of ids) expect(ep.store.pair('com.acme.mail', id)?.seq).toBe(1);
  });

  it('MQTT without credentials does not get past preflight', async () => {
    const t = new MqttTransport({ url: ep.mqttUrl });
    await expect(t.preflight()).rejects.toMatchObject({ code: 'TARGET_UNREACHABLE' });
    await t.close();
  });

  it('HTTP with the token is counted; with a wrong one every event fails and nothing is counted', async () => {
    const good = new HttpTransport({ url: ep.httpUrl, token: TOKEN });
    expect(await sendAll(good, ['ios-000201'])).toEqual([undefined]);
    await good.close();
    const bad = new HttpTransport({ url: ep.httpUrl, token: 'wrong' });
    const [err] = await sendAll(bad, ['ios-000202']);
    expect(err?.message).toMatch(/401/);
    await bad.close();
    expect(ep.store.pair('com.acme.mail', 'ios-000201')).toBeDefined();
    expect(ep.store.pair('com.acme.mail', 'ios-000202')).toBeUndefined();
  });
});
