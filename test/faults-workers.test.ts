/**
 * Network faults in a run split over --workers: each worker puts its own fault proxy in front of
 * the endpoint for its own devices, the plan being the whole fleet's (the same devices, the same
 * moments), and the parent restarts the endpoint once. The merged report adds the workers' wire
 * counts, and the tallies reconcile exactly.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../agent/scenario/load.js';
import type { Endpoint } from '../broker/endpoint.js';
import { renderHtml } from '../reports/html.js';
import { renderMarkdown } from '../reports/markdown.js';
import { renderSummary } from '../reports/summary.js';
import { runWithWorkers } from '../run/workers.js';
import { ROOT } from './helpers.js';

const file = (name: string) => join(ROOT, 'scenarios', 'faults', name);

// The faults' moments are wall time after the run starts; a loaded machine stretches a worker's
// start, so the restart case uses a pace that outlasts its kill. One retry for the rest.
describe('network faults with --workers 2', { retry: 1 }, () => {
  it("connection-drop: each worker's proxy cuts its share of the cohort, devices resend, the tallies are exact", async () => {
    let endpoint: Endpoint | undefined;
    const r = await runWithWorkers(
      loadScenario(file('connection-drop.yaml')),
      { scenarioFile: file('connection-drop.yaml'), onEndpoint: (e) => (endpoint = e) },
      2,
    );
    const line = r.faults![0]!;
    expect(line).toMatchObject({ name: 'field-drop', kind: 'connection-drop', devices: 150, exact: true });
    expect(line.injected.connectionsCut).toBeGreaterThan(0);
    expect(line.injected.connectionsCut).toBeLessThanOrEqual(150);
    // each worker walks only its own devices of the cohort: every struck device counted once
    expect(line.injected.struck).toBeLessThanOrEqual(150);
    expect(line.injected.struck).toBe(line.injected.connectionsCut! + (line.injected.notConnected ?? 0));
    expect(line.injected.reconnects).toBeGreaterThan(0);
    // the cuts are the run's only outages: the fault's section has them all, joined over workers
    expect(line.outages?.length).toBeGreaterThan(0);
    expect(line.outages).toEqual(r.connectivity!.outages);
    // what the devices resent reached the endpoint again: each is a duplicate or stale there,
    // or the first copy when the original had not arrived
    // (none at all when every cut fell before the originals reached it: then each resend was the first copy)
    const c = endpoint!.store.counters;
    expect(line.injected.resentWithDup ?? 0).toBeGreaterThanOrEqual(c.duplicates + c.stale);
    expect(r.reconciliation.differences).toEqual([]);
    expect(r.events.acked).toBe(r.events.sent);
    expect(r.verdict).toBe('passed');
  });

  it('endpoint-restart: the parent kills and restarts the endpoint once, the workers count what follows, the tallies are exact', async () => {
    // the shipped scenario as it is: load.rate is the fleet's, so two workers together send at
    // 400 events/s and the run outlasts the kill at 1.5 s (the parent times it from the workers'
    // drive start, not from when their first progress reaches it)
    const r = await runWithWorkers(
      loadScenario(file('endpoint-restart.yaml')),
      { scenarioFile: file('endpoint-restart.yaml') },
      2,
    );
    const line = r.faults![0]!;
    expect(line).toMatchObject({ name: 'kill-endpoint', exact: true });
    expect(line.injected.restarts).toBe(1);
    // how much the journal gave back and how many devices came back depend on the pace of a
    // loaded machine: the restart itself and the exact tallies do not
    expect(line.injected.downMs).toBeGreaterThan(0);
    // the devices' outages after the kill are in the fault's section, in every rendering
    expect(line.outages).toEqual(r.connectivity!.outages);
    const o = line.outages!;
    expect(o.length).toBeGreaterThan(0);
    const devices = o.reduce((n, x) => n + x.devices, 0).toLocaleString('en-US');
    const said = new RegExp(
      `kill-endpoint: ${o.length} outages? \\(\\+[\\d.]+ s for [\\d.]+ s.*\\): ${devices} devices down, longest`,
    );
    expect(renderSummary(r)).toMatch(said);
    expect(renderMarkdown(r)).toMatch(said);
    expect(renderHtml(r)).toMatch(said);
    expect(r.reconciliation.differences).toEqual([]);
    expect(r.events.acked).toBe(r.events.sent);
    expect(r.verdict).toBe('passed');
  });
});
