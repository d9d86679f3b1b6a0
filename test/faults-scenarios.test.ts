/**
 * The ready fault scenarios (scenarios/faults/): each runs against the embedded endpoint and
 * reconciles exactly, device by device, with every one of its faults having done something.
 * bad-day.yaml mixes them all; its summary names each fault with what it injected.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../agent/scenario/load.js';
import { renderSummary } from '../reports/summary.js';
import { runScenario } from '../run/run-scenario.js';
import { ROOT } from './helpers.js';

const MINE = [
  'duplicates',
  'reordering',
  'delay',
  'clock-skew',
  'stuck',
  'factory-reset',
  'slow-endpoint',
  'refusing-endpoint',
  'bad-day',
];

describe('scenarios/faults', () => {
  it.each(MINE)('%s.yaml reconciles exactly against the embedded endpoint, each fault having struck', async (name) => {
    const file = `${ROOT}/scenarios/faults/${name}.yaml`;
    const s = loadScenario(file);
    const r = await runScenario(s, { scenarioFile: file });
    expect(r.passed).toBe(true);
    expect(r.reconciliation.match).toBe(true);
    expect(r.reconciliation.devices?.differing).toBe(0);
    expect(r.events.failed).toBe(0);
    expect(r.faults?.length).toBe(s.faults.length);
    for (const f of r.faults ?? []) {
      expect(f.exact).toBe(true);
      expect(Object.values(f.injected).some((n) => n > 0)).toBe(true);
    }
    if (name === 'bad-day') {
      const text = renderSummary(r);
      for (const f of s.faults) expect(text).toContain(f.name!);
      expect(text).toMatch(/stuck \S+ since/);
    }
  });
});
