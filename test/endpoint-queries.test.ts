/**
 * The read side, as the seeds' "App Distribution & Installation Details" page offers it: devices
 * of an app filtered by status, state and platform and paginated; one device's history for one
 * app; per-platform tallies; DME jobs leaving the Installed table 7 simulated days after finishing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { getJson, postJson, tallies } from './helpers/endpoint-client.js';
import { event, SIM_START } from './helpers/endpoint-events.js';

const APP = 'com.acme.mail';
const DAY = 24 * 3600 * 1000;
let ep: Endpoint;

beforeAll(async () => {
  ep = await startEndpoint();
  const events = [
    ...Array.from({ length: 5 }, (_, i) =>
      event({ deviceId: `ios-00000${i}`, seq: 2, status: 'installed', state: 'installed' }),
    ),
    ...Array.from({ length: 3 }, (_, i) =>
      event({
        deviceId: `android-00000${i}`,
        platform: 'android',
        seq: 4,
        status: 'failed',
        state: 'oem_server_failed',
      }),
    ),
    event({ deviceId: 'android-000009', platform: 'android', seq: 2, status: 'success', state: 'installed' }),
    // One DME job finished on day 0, one on day 8: by then the first has left the Installed table.
    event({
      deviceId: 'dme-000001',
      platform: 'dme',
      seq: 3,
      status: 'installed',
      state: 'installed',
      simTs: SIM_START,
    }),
    event({
      deviceId: 'dme-000002',
      platform: 'dme',
      seq: 3,
      status: 'installed',
      state: 'installed_verified',
      simTs: SIM_START + 8 * DAY,
    }),
    event({
      deviceId: 'dme-000003',
      platform: 'dme',
      seq: 2,
      status: 'errors',
      state: 'installation_failed',
      simTs: SIM_START,
    }),
    // A history: three steps of one device, sent with a duplicate and a late older one.
    event({
      deviceId: 'windows-000001',
      platform: 'windows',
      seq: 1,
      status: 'pending_install',
      state: 'command_scheduled',
      simTs: SIM_START + 1000,
    }),
    event({
      deviceId: 'windows-000001',
      platform: 'windows',
      seq: 2,
      status: 'installing',
      state: 'installing',
      simTs: SIM_START + 2000,
    }),
    event({
      deviceId: 'windows-000001',
      platform: 'windows',
      seq: 2,
      status: 'installing',
      state: 'installing',
      simTs: SIM_START + 2000,
    }),
    event({
      deviceId: 'windows-000001',
      platform: 'windows',
      seq: 3,
      status: 'installed',
      state: 'installed',
      simTs: SIM_START + 3000,
      native: 'msi:70',
    }),
    event({
      deviceId: 'windows-000001',
      platform: 'windows',
      seq: 1,
      status: 'pending_install',
      state: 'command_scheduled',
      simTs: SIM_START + 1000,
    }),
  ];
  const res = await postJson(ep.httpUrl, '/v1/events', events);
  expect(res.body).toEqual({ accepted: events.length - 2, duplicates: 1, stale: 1 });
});
afterAll(async () => ep.close());

const devices = async (q: string) => (await getJson(ep.httpUrl, `/v1/apps/${APP}/devices?${q}`)).body;

describe('devices of an app', () => {
  it('filters by status, state and platform', async () => {
    expect((await devices('status=failed')).devices.map((d: { deviceId: string }) => d.deviceId)).toEqual([
      'android-000000',
      'android-000001',
      'android-000002',
    ]);
    expect((await devices('platform=android&status=success&state=installed')).devices).toHaveLength(1);
    expect((await devices('platform=ios&status=failed')).devices).toHaveLength(0);
    const row = (await devices('platform=windows')).devices[0];
    expect(row).toMatchObject({
      deviceId: 'windows-000001',
      status: 'installed',
      state: 'installed',
      seq: 3,
      appVersion: '4.2.0',
    });
  });

  it('paginates with a cursor, every device once, in id order', async () => {
    const seen: string[] = [];
    let after = '';
    let pages = 0;
    for (;;) {
      const page = await devices(`limit=3${after ? `&after=${after}` : ''}&includeExpired=1`);
      seen.push(...page.devices.map((d: { deviceId: string }) => d.deviceId));
      pages++;
      if (!page.next) break;
      after = page.next;
    }
    expect(pages).toBe(5);
    expect(seen).toHaveLength(13);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(13);
  });

  it('names a bad query parameter', async () => {
    const res = await getJson(ep.httpUrl, `/v1/apps/${APP}/devices?limit=0`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_query', field: 'limit' });
    expect((await getJson(ep.httpUrl, `/v1/apps/${APP}/devices?platform=palm`)).body.field).toBe('platform');
  });
});

describe('DME: jobs leave the Installed table 7 simulated days after they finish', () => {
  it('lists only the recent job, while the tallies still count both', async () => {
    const listed = (await devices('platform=dme&status=installed')).devices.map(
      (d: { deviceId: string }) => d.deviceId,
    );
    expect(listed).toEqual(['dme-000002']);
    expect((await devices('platform=dme&status=installed&includeExpired=1')).devices).toHaveLength(2);
    // Asked as of day 6, both are still in the table; errors never leave it.
    expect((await devices(`platform=dme&status=installed&at=${SIM_START + 6 * DAY}`)).devices).toHaveLength(2);
    expect((await devices('platform=dme&status=errors')).devices).toHaveLength(1);
    expect((await tallies(ep.httpUrl, APP)).platforms.dme?.installed).toEqual({ installed: 1, installed_verified: 1 });
  });
});

describe("one device's history for one app", () => {
  it('lists the accepted events in seq order, without the duplicate or the late older one', async () => {
    const h = (await getJson(ep.httpUrl, `/v1/apps/${APP}/devices/windows-000001/history`)).body;
    expect(h.events.map((e: { seq: number; state: string }) => [e.seq, e.state])).toEqual([
      [1, 'command_scheduled'],
      [2, 'installing'],
      [3, 'installed'],
    ]);
    expect(h.events[2].native).toBe('msi:70');
    expect(typeof h.events[0].receivedAt).toBe('number');
  });

  it('answers 404 naming the device when it is unknown', async () => {
    const res = await getJson(ep.httpUrl, `/v1/apps/${APP}/devices/ios-999999/history`);
    expect(res.status).toBe(404);
    expect(res.body.field).toBe('deviceId');
  });
});

describe('tallies', () => {
  it('per app: status -> state -> count with totals, and per platform across apps', async () => {
    const t = await tallies(ep.httpUrl, APP);
    expect(t.total).toBe(13);
    expect(t.statuses.failed).toEqual({ total: 3, states: { oem_server_failed: 3 } });
    await postJson(
      ep.httpUrl,
      '/v1/events',
      event({ appId: 'com.acme.vpn', deviceId: 'ios-000000', seq: 1, status: 'installed', state: 'installed' }),
    );
    const p = (await getJson(ep.httpUrl, '/v1/platforms/tallies')).body.platforms;
    expect(p.ios.installed.installed).toBe(6);
    expect(p.android.failed.oem_server_failed).toBe(3);
  });
});
