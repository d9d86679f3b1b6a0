/**
 * Counts in the user's labels map back through the wire's own tables: exactly, where the codes
 * tell our entries apart; at the user's granularity where they join several; and a row that maps
 * to nothing is reported, never dropped. Pure: no sockets.
 */
import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../protocol/catalogue/catalogue.js';
import { TallyBook } from '../protocol/tally.js';
import {
  describeUnmapped,
  foldExpected,
  joinedEntries,
  mapCounted,
  mapDeviceRows,
  reconcileRows,
} from '../reconcile/labels.js';
import { reconcile } from '../reconcile/reconcile.js';
import { compileCodes, type CodeTable } from '../transport/wire/codes.js';
import { ACME_PROFILE } from '../transport/wire/profiles.js';

function table(config = ACME_PROFILE.codes): CodeTable {
  const t = compileCodes(config, PLATFORMS);
  if (Array.isArray(t)) throw new Error(JSON.stringify(t));
  return t;
}

describe('mapping counts back', () => {
  it("maps the user's codes to our entries, and reports a row that maps to nothing", () => {
    const m = mapCounted(
      [
        { app: 'a', platform: 'IOS', status: 'INSTALLED', state: 'INSTALLED', count: 5 },
        { app: 'a', platform: 'WINDOWS', status: 'FAILED', state: 'FAILED_CHECKSUM', count: 2 },
        { app: 'a', platform: 'ANDROID', status: 'FAILED', state: 'FAILED_HASH', count: 12 },
        { app: 'b', platform: 'IOS', status: 'INSTALLED', state: 'INSTALLED', count: 1 },
      ],
      ['a'],
      table().inverse(),
    );
    expect(m.counted[0]!.platforms).toEqual({
      ios: { installed: { installed: 5 } },
      windows: { failed: { failed_checksum: 2 } },
    });
    expect(m.unmapped).toEqual([
      { appId: 'a', platform: 'ANDROID', status: 'FAILED', state: 'FAILED_HASH', count: 12 },
    ]);
    expect(describeUnmapped(m.unmapped[0]!)).toBe(
      "unmapped: 12 devices in state 'FAILED_HASH' (ANDROID / FAILED) of a",
    );
    expect(m.otherApps).toBe(1);
  });

  it('identity labels (fleetsim ids) map through the catalogue itself', () => {
    const m = mapCounted(
      [{ app: 'a', platform: 'ios', status: 'installed', state: 'nope', count: 1 }],
      ['a'],
      table(undefined).inverse(),
    );
    expect(m.unmapped).toHaveLength(1);
  });

  it('codes that join entries compare at the user granularity', () => {
    const coarse = table({ ...ACME_PROFILE.codes, state: { '*': '{state|upper}', 'windows/failed/*': 'ANY' } });
    const joined = joinedEntries(coarse.inverse());
    expect(joined).toHaveLength(1);
    expect(joined[0]!.entries.map((t) => t.state)).toContain('failed_checksum');
    const book = new TallyBook();
    book.add('a', 'windows', 'failed', 'failed_checksum', 2);
    book.add('a', 'windows', 'failed', 'failed_download', 3);
    const expected = foldExpected([book.get('a')], joined);
    const counted = mapCounted(
      [{ app: 'a', platform: 'WINDOWS', status: 'FAILED', state: 'ANY', count: 5 }],
      ['a'],
      coarse.inverse(),
    );
    expect(reconcile(expected, counted.counted).match).toBe(true);
    const short = mapCounted(
      [{ app: 'a', platform: 'WINDOWS', status: 'FAILED', state: 'ANY', count: 4 }],
      ['a'],
      coarse.inverse(),
    );
    expect(reconcile(expected, short.counted).match).toBe(false);
  });
});

describe('reconciling counts in the user labels', () => {
  it('an unmapped row fails the match even when every mapped cell agrees', () => {
    const book = new TallyBook();
    book.add('a', 'ios', 'installed', 'installed', 5);
    const rows = [
      { app: 'a', platform: 'IOS', status: 'INSTALLED', state: 'INSTALLED', count: 5 },
      { app: 'a', platform: 'IOS', status: 'INSTALLED', state: 'FAILED_HASH', count: 2 },
    ];
    const r = reconcileRows([book.get('a')], rows, ['a'], table().inverse());
    expect(r.differences).toEqual([]);
    expect(r.match).toBe(false);
    expect(r.unmapped).toEqual([{ appId: 'a', platform: 'IOS', status: 'INSTALLED', state: 'FAILED_HASH', count: 2 }]);
    expect(reconcileRows([book.get('a')], rows.slice(0, 1), ['a'], table().inverse()).match).toBe(true);
  });

  it('device rows come back with our ids and labels; other devices are left out', () => {
    const rows = mapDeviceRows(
      [
        { device: 'ios-000001.r7', platform: 'IOS', status: 'INSTALLED', state: 'INSTALLED', seq: 3 },
        { device: 'ios-000002.r7', platform: 'IOS', status: 'WEIRD', state: 'X' },
        { device: 'ios-000001.r6', platform: 'IOS', status: 'INSTALLED', state: 'INSTALLED' },
      ],
      table().inverse(),
      (w) => (w.endsWith('.r7') ? w.slice(0, -3) : undefined),
    );
    expect(rows).toEqual([
      { deviceId: 'ios-000001', platform: 'ios', status: 'installed', state: 'installed', seq: 3 },
      { deviceId: 'ios-000002', platform: 'IOS', status: 'WEIRD (unmapped)', state: 'X (unmapped)' },
    ]);
  });
});
