/**
 * Past one process and one machine: shards are a partition of the fleet, merged results equal a
 * single run's, and --workers 1 and --workers 2 count the same tallies. Real endpoint on port 0.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEndpoint } from '../broker/endpoint.js';
import { buildFleet } from '../agent/fleet/fleet.js';
import { mergeResults } from '../result/merge.js';
import { checkShards } from '../result/shard-check.js';
import { fetchTallies } from '../endpoint-client/tallies.js';
import { runScenario } from '../run/run-scenario.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Simulator } from '../agent/sim/simulator.js';
import { decodeHistogram } from '../drive/metrics.js';
import { spawn } from 'node:child_process';
import { cli, ROOT, SMALL_SCENARIO, tempDir, writeTemp } from './helpers.js';

/** The CLI as a child process without blocking this one (its endpoint must keep answering). */
function cliAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'fleetsim.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const scenario = parseScenario(SMALL_SCENARIO, 'small.yaml');

/** deviceId/appId -> final status/state, seq */
function finalStates(shard?: { index: number; count: number }): Map<string, string> {
  const sim = new Simulator(buildFleet(scenario, shard ? { shard } : {}), { startMs: 0, seed: scenario.seed });
  sim.runToEnd();
  return new Map(
    sim.installs.map((i) => [`${i.device.id}/${i.app.id}`, `${i.last?.status}/${i.last?.state}#${i.seq}`]),
  );
}

describe('shards', () => {
  it.each([2, 3, 7])(
    'split into %i: disjoint, and their union is exactly the whole fleet with the same final states',
    (n) => {
      const whole = finalStates();
      const union = new Map<string, string>();
      for (let index = 0; index < n; index++) {
        for (const [k, v] of finalStates({ index, count: n })) {
          expect(union.has(k)).toBe(false);
          union.set(k, v);
        }
      }
      expect([...union.keys()].sort()).toEqual([...whole.keys()].sort());
      for (const [k, v] of whole) expect(union.get(k)).toBe(v);
    },
  );

  it('merged shard results equal a single run: devices, events, expected and counted tallies', async () => {
    const single = await runScenario(scenario, { scenarioFile: 'small.yaml', transport: 'http' });
    const endpoint = await startEndpoint();
    try {
      const parts: Awaited<ReturnType<typeof runScenario>>[] = [];
      for (let index = 0; index < 3; index++) {
        parts.push(
          await runScenario(scenario, {
            scenarioFile: 'small.yaml',
            transport: 'http',
            target: endpoint.httpUrl,
            shard: { index, count: 3 },
            deferReconcile: true,
          }),
        );
      }
      expect(parts.every((p) => !p.reconciliation.checked)).toBe(true);
      const counted = await fetchTallies(endpoint.httpUrl, ['com.acme.mail', 'com.acme.vpn']);
      const result = mergeResults(parts, { sharedTarget: true, tallies: { kind: 'counted', tallies: counted } });
      expect(result.passed).toBe(true);
      expect(result.reconciliation.differences).toEqual([]);
      expect(result.devices).toEqual(single.devices);
      expect(result.events).toEqual(single.events);
      expect(result.reconciliation.apps.map((a) => a.expected)).toEqual(
        single.reconciliation.apps.map((a) => a.expected),
      );
      expect(result.reconciliation.apps.map((a) => a.counted)).toEqual(
        single.reconciliation.apps.map((a) => a.counted),
      );
      // the merged histogram holds every sample of every part
      expect(decodeHistogram(result.latency.ack.hdr).totalCount).toBe(single.events.acked);
      expect(() => checkShards(parts)).not.toThrow();
      expect(() => checkShards([parts[0]!, parts[0]!, parts[1]!])).toThrow(expect.objectContaining({ code: 'USAGE' }));
      expect(() => checkShards([parts[0]!, parts[2]!])).toThrow(expect.objectContaining({ code: 'USAGE' }));
    } finally {
      await endpoint.close();
    }
  });

  it('fleetsim run --shard i/N on each shard, then fleetsim merge, reconciles the whole fleet', async () => {
    const endpoint = await startEndpoint();
    try {
      const file = writeTemp('small.yaml', SMALL_SCENARIO);
      const dir = tempDir();
      for (const s of ['1/2', '2/2']) {
        const r = await cliAsync([
          'run',
          file,
          '--transport',
          'http',
          '--target',
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
      const missing = await cliAsync(['merge', join(dir, '1of2')]);
      expect(missing.code).toBe(3);
      const m = await cliAsync([
        'merge',
        join(dir, '1of2'),
        join(dir, '2of2', 'report.json'),
        '--out',
        join(dir, 'merged'),
      ]);
      expect(m.stderr).toBe('');
      expect(m.code).toBe(0);
      const merged = JSON.parse(readFileSync(join(dir, 'merged', 'report.json'), 'utf8'));
      expect(merged).toMatchObject({
        passed: true,
        parts: 2,
        devices: { total: 200 },
        reconciliation: { checked: true, match: true },
      });
    } finally {
      await endpoint.close();
    }
  });
});

describe('--workers', () => {
  it('--workers 1 and --workers 2 count identical tallies, and both reconcile', () => {
    const file = writeTemp('small.yaml', SMALL_SCENARIO);
    const dir = tempDir();
    const reports = [1, 2].map((w) => {
      const r = cli(['run', file, '--workers', String(w), '--out', join(dir, `w${w}`), '--quiet']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return JSON.parse(readFileSync(join(dir, `w${w}`, 'report.json'), 'utf8'));
    });
    expect(reports[1].parts).toBe(2);
    expect(reports[0].reconciliation.apps.map((a: { counted: unknown }) => a.counted)).toEqual(
      reports[1].reconciliation.apps.map((a: { counted: unknown }) => a.counted),
    );
    expect(reports[0].events.sent).toBe(reports[1].events.sent);
    expect(reports[1].reconciliation.match).toBe(true);
  });
});

describe('scale flags', () => {
  it('read --shard i/N from 1 and refuse what is not a shard, with a usage error', async () => {
    const { parseShard, scaleArgs } = await import('../cli/scale-options.js');
    expect(parseShard('2/4')).toEqual({ index: 1, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', 'two/4', '1-4'])
      expect(() => parseShard(bad)).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => scaleArgs({ workers: 0 })).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => scaleArgs({ 'local-address': '10.0.0' })).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(scaleArgs({ batch: 20, 'shared-connections': 4, qos: 2 }).scale.transportFlags).toEqual({
      batch: 20,
      sharedConnections: 4,
      qos: 2,
    });
  });
});
