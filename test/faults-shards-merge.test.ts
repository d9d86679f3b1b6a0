/**
 * A QoS 0 connection drop in a run split into separate `fleetsim run --shard i/N` processes against
 * one embedded endpoint, then `fleetsim merge`: merge has no fault plan of its own, so each shard's
 * report.json says where its devices' differences began (judged against its own fault windows), and
 * the merged report makes the same "only in this fault's window" note a single run makes, and
 * names the fault for every lost event. Real CLI processes, real MQTT, port 0.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEndpoint } from '../broker/endpoint.js';
import type { RunResult } from '../result/result.js';
import { cliAsync, tempDir, writeTemp } from './helpers.js';

// Strikes at 1.5 s, when every device has long been connected and is sending (a rate of 200/s
// over 80 devices lasts about 4 s): the silent second swallows the reports written into it.
const SCENARIO = `
name: shards-dying-link
seed: 9
transport: { kind: mqtt, cleanSession: true }
qos: 0
timeScale: asap
maxInFlight: 32
load: { rate: 200 }
apps:
  - { id: com.acme.mail, name: Acme Mail, version: 4.2.0, platforms: [android] }
cohorts:
  - { name: field, platform: android, count: 80 }
faults:
  - { kind: connection-drop, name: dying-link, at: 1500ms, silentFor: 1s }
`;

const read = (dir: string): RunResult => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));

describe('fleetsim merge of --shard runs with a QoS 0 connection drop', () => {
  it('names the fault window for every lost event and makes the window note, as a single run does', async () => {
    const endpoint = await startEndpoint();
    try {
      const file = writeTemp('shards-dying-link.yaml', SCENARIO);
      const dir = tempDir();
      for (const s of ['1/2', '2/2']) {
        const r = await cliAsync([
          'run',
          file,
          '--target',
          endpoint.mqttUrl,
          '--tallies-url',
          endpoint.httpUrl,
          '--shard',
          s,
          '--out',
          join(dir, s.replace('/', 'of')),
          '--quiet',
        ]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
      }
      const parts = ['1of2', '2of2'].map((p) => read(join(dir, p)));
      for (const p of parts) {
        // a shard cannot judge the tallies alone: no note, but where its differences began
        expect(p.faults![0]!.note).toBeUndefined();
        expect(p.differenceStarts?.length).toBeGreaterThan(0);
        for (const row of p.differenceStarts!) expect(row.began?.inWindow).toEqual(['dying-link']);
      }
      const m = await cliAsync([
        'merge',
        join(dir, '1of2'),
        join(dir, '2of2'),
        '--tallies-url',
        endpoint.httpUrl,
        '--out',
        join(dir, 'merged'),
      ]);
      expect(m.stderr).toBe('');
      expect(m.code).toBe(2);
      const merged = read(join(dir, 'merged'));
      expect(merged.reconciliation).toMatchObject({ checked: true, match: false });
      const fault = merged.faults![0]!;
      expect(fault.exact).toBe(false);
      expect(fault.note).toMatch(
        /every difference \(\d+ devices?\) is on a device this fault struck and began with an event sent in its window/,
      );
      // every event the endpoint never took in, counted independently from its own store
      const l = merged.lostEvents!;
      expect(l.lost).toBeGreaterThan(0);
      expect(l.lost).toBe(merged.events.sent - endpoint.store.counters.accepted);
      expect(l.events).toHaveLength(l.lost);
      for (const e of l.events) expect(e.faults).toEqual(['dying-link']);
      // every rendering of the merge says it
      const md = readFileSync(join(dir, 'merged', 'summary.md'), 'utf8');
      expect(md).toMatch(
        /\| dying-link \|.*\| differ \(every difference .* began with an event sent in its window\) \|/,
      );
      expect(m.stdout).toMatch(/dying-link: every difference .* began with an event sent in its window/);
    } finally {
      await endpoint.close();
    }
  });
});
