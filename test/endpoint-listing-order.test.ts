/**
 * The device listing's keyset pages come from an index kept in device-id order (broker/app-pairs.ts)
 * rather than a sort per page. Every page must be what filtering and sorting the whole app gives,
 * also while new pairs keep arriving between pages (the index merges them in lazily), and paging
 * to the end over HTTP must list every pair exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { type DeviceFilter, listDevices } from '../broker/queries.js';
import { type PairState, TallyStore } from '../broker/store.js';
import { event, prng, statesOf } from './helpers/endpoint-events.js';
import { getJson } from './helpers/endpoint-client.js';

const APP = 'com.acme.mail';

/** The listing as it was defined before the index: filter every pair, sort, cut. */
function reference(store: TallyStore, f: DeviceFilter): { ids: string[]; next: string | null } {
  const all = [...(store.devicesOf(APP) ?? [])] as PairState[];
  const m = all
    .filter((p) => f.status === undefined || p.status === f.status)
    .filter((p) => f.platform === undefined || p.platform === f.platform)
    .filter((p) => f.after === undefined || p.deviceId > f.after)
    .sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
  const page = m.slice(0, f.limit);
  return { ids: page.map((p) => p.deviceId), next: m.length > f.limit ? page[page.length - 1]!.deviceId : null };
}

/** Device ids in no order, of mixed lengths and platforms, so neither arrival nor length sorts them. */
function ingestSome(store: TallyStore, rand: () => number, n: number, seq = 1): void {
  for (let i = 0; i < n; i++) {
    const platform = rand() < 0.5 ? 'ios' : 'android';
    const s = statesOf(platform)[Math.floor(rand() * 3)]!;
    const deviceId = `${platform}-${Math.floor(rand() * 1e6).toString(36)}`;
    store.ingest(event({ deviceId, platform, seq, status: s.status, state: s.state }), 0);
  }
}

/** Later events of known pairs, to other states: pairs move in and out of a filter, not in the order. */
function moveSome(store: TallyStore, rand: () => number, n: number): void {
  const known = [...(store.devicesOf(APP) ?? [])];
  for (let i = 0; i < n; i++) {
    const p = known[Math.floor(rand() * known.length)]!;
    const s = statesOf(p.platform)[Math.floor(rand() * 3)]!;
    store.ingest(
      event({ deviceId: p.deviceId, platform: p.platform, seq: p.seq + 1, status: s.status, state: s.state }),
      0,
    );
  }
}

describe('device listing from the ordered index', () => {
  it('gives the pages a full sort gives, with pairs arriving between pages', () => {
    const store = new TallyStore();
    const rand = prng(7);
    ingestSome(store, rand, 2_000);
    for (const filter of [{}, { platform: 'ios' as const }, { status: statesOf('android')[1]!.status }]) {
      let after: string | undefined;
      let pages = 0;
      for (;;) {
        const f: DeviceFilter = { limit: 97, includeExpired: true, ...filter, ...(after ? { after } : {}) };
        const got = listDevices(store, APP, f);
        const want = reference(store, f);
        expect(got.devices.map((d) => d.deviceId)).toEqual(want.ids);
        expect(got.next).toBe(want.next);
        if (!got.next) break;
        after = got.next;
        pages++;
        // new pairs (some before the cursor, some after) and later events of known ones
        ingestSome(store, rand, 40);
        moveSome(store, rand, 40);
      }
      expect(pages).toBeGreaterThan(3);
    }
  });
});

describe('device listing over HTTP', () => {
  let ep: Endpoint;
  beforeAll(async () => {
    ep = await startEndpoint();
    ingestSome(ep.store, prng(3), 2_500);
  });
  afterAll(() => ep.close());

  it('pages to the end listing every pair once, in order', async () => {
    const seen: string[] = [];
    let after = '';
    for (;;) {
      const q = `limit=1000&includeExpired=1${after ? `&after=${encodeURIComponent(after)}` : ''}`;
      const r = await getJson(ep.httpUrl, `/v1/apps/${APP}/devices?${q}`);
      expect(r.status).toBe(200);
      const page = r.body as { devices: { deviceId: string }[]; next: string | null };
      seen.push(...page.devices.map((d) => d.deviceId));
      if (!page.next) break;
      after = page.next;
    }
    const ids = [...(ep.store.devicesOf(APP) ?? [])].map((p) => p.deviceId).sort();
    expect(seen).toEqual(ids);
    expect(new Set(seen).size).toBe(ep.store.pairs);
  });
});
