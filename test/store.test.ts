import { describe, expect, it } from 'vitest';
import { TallyStore } from '../broker/store.js';
import type { StatusEvent } from '../protocol/event.js';

function ev(seq: number, status: string, state: string, deviceId = 'ios-000001'): StatusEvent {
  return {
    v: 1,
    deviceId,
    platform: 'ios',
    appId: 'com.acme.mail',
    appVersion: '1.0.0',
    jobId: 'j1',
    seq,
    status,
    state,
    simTs: seq * 1000,
    wallTs: Date.now(),
  };
}

describe('tally store: the highest seq per (device, app) wins', () => {
  it('moves a pair from cell to cell as newer events arrive', () => {
    const s = new TallyStore();
    s.ingest(ev(1, 'pending_install', 'command_scheduled'));
    s.ingest(ev(2, 'installing', 'installing'));
    const t = s.appTallies('com.acme.mail');
    expect(t.total).toBe(1);
    expect(t.platforms.ios).toEqual({ installing: { installing: 1 } });
  });

  it('ignores a duplicate and counts it', () => {
    const s = new TallyStore();
    s.ingest(ev(1, 'pending_install', 'command_scheduled'));
    s.ingest(ev(2, 'installing', 'installing'));
    expect(s.ingest(ev(2, 'installed', 'installed'))).toBe('duplicate');
    expect(s.appTallies('com.acme.mail').platforms.ios).toEqual({ installing: { installing: 1 } });
    expect(s.counters.duplicates).toBe(1);
  });

  it('ignores an older event that arrives late and counts it', () => {
    const s = new TallyStore();
    s.ingest(ev(3, 'installed', 'installed'));
    expect(s.ingest(ev(2, 'installing', 'installing'))).toBe('stale');
    expect(s.ingest(ev(1, 'pending_install', 'command_scheduled'))).toBe('stale');
    expect(s.appTallies('com.acme.mail').platforms.ios).toEqual({ installed: { installed: 1 } });
    expect(s.counters).toMatchObject({ accepted: 1, stale: 2, duplicates: 0 });
  });

  it('gives the same tallies whatever the arrival order', () => {
    const events: StatusEvent[] = [];
    for (let d = 1; d <= 50; d++) {
      const id = `ios-${String(d).padStart(6, '0')}`;
      events.push(ev(1, 'pending_install', 'command_scheduled', id), ev(2, 'installing', 'installing', id));
      if (d % 3 !== 0)
        events.push(ev(3, d % 5 === 0 ? 'failed' : 'installed', d % 5 === 0 ? 'install_failed' : 'installed', id));
    }
    const inOrder = new TallyStore();
    for (const e of events) inOrder.ingest(e);
    const shuffled = new TallyStore();
    const copy = [...events, ...events].reverse();
    for (const e of copy) shuffled.ingest(e);
    expect(shuffled.appTallies('com.acme.mail')).toEqual(inOrder.appTallies('com.acme.mail'));
  });
});
