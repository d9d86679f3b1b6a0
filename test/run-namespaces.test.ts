/**
 * Two runs in a row against one `fleetsim serve --data-dir` that keeps what it counted: without
 * a namespace or a baseline the second run's mismatch says why in one line; with a namespace each
 * run counts only its own devices; with a baseline the second reconciles after - before. The
 * runs are different fleets (another seed, fewer devices) re-using the first run's device ids.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../result/result.js';
import { fleetsimAsync } from './helpers/cli-async.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';
import { tempDir, tinyScenario } from './scenario-files.js';

const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunResult;

describe('two runs in a row against one fleetsim serve --data-dir', () => {
  let serve: ServeProcess | undefined;
  const tmp = tempDir();
  const first = tmp.write('first.yaml', tinyScenario());
  // 20 + 10 devices, all of them ids the first run used, on another seed
  const second = tmp.write('second.yaml', tinyScenario([], { devices: 20 }).replace('seed: 5', 'seed: 6'));

  afterEach(async () => {
    serve?.child.kill('SIGTERM');
    await serve?.exited;
    serve = undefined;
  });

  const twice = async (name: string, flags: string[]) => {
    serve = await startServe(['--data-dir', join(tmp.dir, `${name}-data`)]);
    const target = ['--target', serve.mqttUrl, '--tallies-url', serve.httpUrl, '--quiet'];
    const outs = [join(tmp.dir, `${name}-1`), join(tmp.dir, `${name}-2`)];
    const a = await fleetsimAsync(['run', first, ...target, ...flags, '--out', outs[0]!]);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    const b = await fleetsimAsync(['run', second, ...target, ...flags, '--out', outs[1]!]);
    return { b, results: outs.map(read) };
  };

  it('without a namespace or a baseline, the mismatch names the data held before the run', async () => {
    const { b, results } = await twice('bare', []);
    expect(results[0]!.reconciliation.heldBefore).toBe(0);
    expect(b.code).toBe(2);
    expect(results[1]!.reconciliation.heldBefore).toBe(40);
    expect(b.stdout).toContain(
      'the endpoint already held 40 (device, app) pairs before this run: give the run a namespace (--namespace) or a baseline (--tally-baseline); see docs/targets.md',
    );
  });

  it('with a namespace each run counts only its own devices, and reconciles exactly', async () => {
    const { b, results } = await twice('namespace', ['--namespace']);
    expect(b.code, b.stdout + b.stderr).toBe(0);
    const [r1, r2] = results as [RunResult, RunResult];
    expect(r1.runId).not.toBe(r2.runId);
    for (const r of results) expect(r.reconciliation).toMatchObject({ checked: true, match: true, heldBefore: 0 });
    expect(r2.reconciliation.apps[0]!.counted.total).toBe(30);
    expect(r2.reconciliation.devices).toMatchObject({ checked: true, differing: 0, pairs: 30 });
    // the devices went on the wire as <id>.<run id>: serve holds both runs' devices
    const devices = (await (await fetch(`${serve!.httpUrl}/v1/apps/com.acme.mail/devices?limit=1000`)).json()) as {
      devices: { deviceId: string }[];
    };
    expect(devices.devices).toHaveLength(70);
    expect(devices.devices.filter((d) => d.deviceId.endsWith(`.${r2.runId}`))).toHaveLength(30);
  });

  it('with a baseline the second run reconciles after - before against the change it made', async () => {
    const { b, results } = await twice('baseline', ['--tally-baseline', '--workers', '1']);
    expect(b.code, b.stdout + b.stderr).toBe(0);
    const r2 = results[1]!;
    expect(r2.reconciliation).toMatchObject({ checked: true, match: true });
    expect(r2.reconciliation.baseline).toMatchObject({ pairsBefore: 40, reused: 30 });
    expect(r2.reconciliation.baseline!.assumption).toContain("each re-used device's previous row");
    expect(b.stdout).toContain('baseline: after - before');
    // a baseline with worker processes is refused with what to do instead
    const w = await fleetsimAsync([
      'run',
      second,
      '--target',
      serve!.mqttUrl,
      '--tallies-url',
      serve!.httpUrl,
      '--tally-baseline',
      '--workers',
      '2',
      '--quiet',
    ]);
    expect(w.code).toBe(3);
    expect(w.stderr).toContain('--workers 1');
  });
});
