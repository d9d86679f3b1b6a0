/**
 * `fleetsim serve --workers 2` as a user runs it, beside `fleetsim run` against its shared URL:
 * each worker also listens on a port of its own (advertised at /v1/cluster and in the banner),
 * the run finds those direct listeners at the tallies URL and spreads its devices over them, so
 * no device connection goes through the primary's hand-over, and the fleet reconciles exactly.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync, SMALL_SCENARIO, tempDir } from './helpers.js';
import { getJson } from './helpers/endpoint-client.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';

interface Cluster {
  mqttUrl: string;
  mqttDirect: string[];
  acceptedPerWorker: { shared: number; direct: number }[];
  eventsPerWorker: number[];
}

const DEVICES = 200; // SMALL_SCENARIO's cohorts
let s: ServeProcess;
let scenario: string;
beforeAll(async () => {
  s = await startServe(['--workers', '2']);
  scenario = join(tempDir(), 'small.yaml');
  writeFileSync(scenario, SMALL_SCENARIO);
});
afterAll(async () => {
  s?.child.kill('SIGTERM');
  await s?.exited;
});

const cluster = async () => (await getJson(s.httpUrl, '/v1/cluster')).body as Cluster;
const total = (c: Cluster, k: 'shared' | 'direct') => c.acceptedPerWorker.reduce((n, w) => n + w[k], 0);

/** Runs the fleet from the CLI; what the workers accepted and ingested during it. */
async function runFleet(extra: string[]) {
  const before = await cluster();
  const out = tempDir();
  const r = await cliAsync([
    'run',
    scenario,
    '--target',
    s.mqttUrl,
    '--tallies-url',
    s.httpUrl,
    '--out',
    out,
    ...extra,
  ]);
  expect(r.code, r.stderr).toBe(0);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  // the workers report their counts once a second; a device may connect more than once in a run
  await expect
    .poll(async () => total(await cluster(), 'direct') - total(before, 'direct'), { timeout: 10_000 })
    .toBeGreaterThanOrEqual(DEVICES);
  const after = await cluster();
  return {
    report,
    shared: total(after, 'shared') - total(before, 'shared'),
    directPerWorker: after.acceptedPerWorker.map((w, i) => w.direct - before.acceptedPerWorker[i]!.direct),
    events: after.eventsPerWorker.reduce((a, b) => a + b, 0) - before.eventsPerWorker.reduce((a, b) => a + b, 0),
  };
}

describe('fleetsim serve --workers: direct listeners', () => {
  it('advertises one direct listener per worker beside the shared port', async () => {
    const c = await cluster();
    expect(c.mqttUrl).toBe(s.mqttUrl);
    expect(c.mqttDirect).toHaveLength(2);
    const ports = c.mqttDirect.map((u) => new URL(u).port);
    expect(new Set([...ports, new URL(s.mqttUrl).port]).size).toBe(3);
  });

  it.each([
    ['one process', []],
    ['--workers 2', ['--workers', '2']],
  ])('a run (%s) against the shared URL connects every device directly and reconciles exactly', async (_, extra) => {
    const r = await runFleet(extra);
    expect(r.report.verdict).toBe('passed');
    expect(r.report.reconciliation.checked).toBe(true);
    expect(r.report.reconciliation.match).toBe(true);
    expect(r.report.events.failed).toBe(0);
    // every device on a direct listener, both workers used; the shared port saw only the preflight probes
    expect(r.directPerWorker.every((n) => n > 0)).toBe(true);
    expect(r.shared).toBeLessThanOrEqual(3);
    expect(r.events).toBe(r.report.events.acked);
  });
});
