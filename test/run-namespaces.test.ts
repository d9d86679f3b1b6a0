/**
 * Two runs in a row against one `fleetsim serve --data-dir` that keeps what it counted: without
 * a namespace or a baseline the second run's mismatch says why in one line; with a namespace each
 * run counts only its own devices; with a baseline the second reconciles after - before. The
 * runs are different fleets (another seed, fewer devices) re-using the first run's device ids.
 */
import { readFileSync, writeFileSync } from 'node:fs';
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
    const hint =
      'the endpoint already held 40 (device, app) pairs before this run: give the run a namespace (--namespace) or a baseline (--tally-baseline); see docs/targets.md';
    expect(b.stdout).toContain(hint);
    for (const f of ['summary.md', 'report.html', 'junit.xml'])
      expect(readFileSync(join(tmp.dir, 'bare-2', f), 'utf8'), f).toContain(hint.split(':')[0]);
    // the same through a target description, in one process and over workers
    const described = tmp.write(
      'bare-target.yaml',
      `url: ${serve!.mqttUrl}\ntallies: { source: fleetsim, url: "${serve!.httpUrl}" }\n`,
    );
    for (const workers of ['1', '2']) {
      const out = join(tmp.dir, `bare-described-${workers}`);
      const c = await fleetsimAsync(['run', second, '--target-file', described, '--workers', workers, '--out', out]);
      expect(c.code, c.stdout + c.stderr).toBe(2);
      expect(c.stdout).toContain('the endpoint already held 40 (device, app) pairs before this run');
      expect(read(out).reconciliation.heldBefore).toBe(40);
    }
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
    expect(r2.reconciliation.baseline!.before!.counted[0]!.total).toBe(40);
    // reconciled again later: after (now) - before (kept in report.json) against the same change
    const dir = join(tmp.dir, 'baseline-2');
    const later = await fleetsimAsync(['reconcile', dir, '--tallies-url', serve!.httpUrl]);
    expect(later.code, later.stdout + later.stderr).toBe(0);
    const again = read(join(dir, 'reconciled')).reconciliation;
    expect(again).toMatchObject({ checked: true, match: true, baseline: { pairsBefore: 40, reused: 30 } });
    // its fleet simulated again (checked against the ground truth the report keeps), device by
    // device: re-used devices that sent nothing newer keep the rows the target had
    const notNewer = r2.reconciliation.baseline!.notNewer;
    expect(notNewer).toBeGreaterThan(0);
    expect(again.devices).toMatchObject({ checked: true, differing: 0, pairs: 30 });
    // (those whose kept row happens to equal the run's last report match outright)
    expect(again.devices!.leftToTarget).toBeGreaterThan(0);
    expect(again.devices!.leftToTarget).toBeLessThanOrEqual(notNewer);
    expect(later.stdout).toContain(
      `devices: ${again.devices!.leftToTarget} re-used pair(s) keep the target's own row, not older than this run's last report (of ${notNewer} that sent nothing newer)`,
    );
    expect(r2.reconciliation.baseline!.sent![0]!.total).toBe(30);
  });

  it('with a baseline over worker processes: read once in the parent, the workers add up the change', async () => {
    // the first run in one process, the second over 2 workers, the third over 3 on yet another seed
    const { b, results } = await twice('baseline-workers', ['--tally-baseline', '--workers', '2']);
    expect(b.code, b.stdout + b.stderr).toBe(0);
    const r2 = results[1]!;
    expect(r2.parts).toBe(2);
    expect(r2.reconciliation).toMatchObject({ checked: true, match: true, heldBefore: 40 });
    expect(r2.reconciliation.baseline).toMatchObject({ pairsBefore: 40, reused: 30 });
    expect(r2.reconciliation.devices).toMatchObject({ checked: true, differing: 0 });
    const third = tmp.write('third.yaml', tinyScenario([], { devices: 25 }).replace('seed: 5', 'seed: 8'));
    const target = ['--target', serve!.mqttUrl, '--tallies-url', serve!.httpUrl, '--quiet'];
    const out3 = join(tmp.dir, 'baseline-workers-3');
    const c = await fleetsimAsync(['run', third, ...target, '--tally-baseline', '--workers', '3', '--out', out3]);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(read(out3).reconciliation.baseline).toMatchObject({ pairsBefore: 40, reused: 35 });
    // the same fleet again, in one process: nothing newer than the target holds, so no change expected
    const out4 = join(tmp.dir, 'baseline-workers-4');
    const d = await fleetsimAsync(['run', third, ...target, '--tally-baseline', '--workers', '1', '--out', out4]);
    expect(d.code, d.stdout + d.stderr).toBe(0);
    expect(read(out4).reconciliation.baseline).toMatchObject({ reused: 35, notNewer: 35 });
    expect(read(out4).reconciliation.apps[0]!.expected.total).toBe(0);

    // a shard cannot read a baseline alone: refused before anything is sent, naming the way that works
    const shard = await fleetsimAsync(['run', third, ...target, '--tally-baseline', '--shard', '1/2']);
    expect(shard.code).toBe(3);
    expect(shard.stderr).toContain('which a --shard run cannot do alone');
    expect(shard.stderr).toContain('--tally-baseline-file baseline.json');
  });

  it('one baseline shared by separate --shard runs: read once, each shard given the file, judged once at merge', async () => {
    serve = await startServe([]);
    const target = ['--target', serve.mqttUrl, '--tallies-url', serve.httpUrl, '--quiet'];
    const a = await fleetsimAsync(['run', first, ...target, '--out', join(tmp.dir, 'shared-1')]);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    // read before any shard starts, as the first step of a Kubernetes Indexed Job would
    const file = join(tmp.dir, 'baseline.json');
    const b = await fleetsimAsync(['tally-baseline', second, ...target.slice(0, 4), '--out', file]);
    expect(b.code, b.stdout + b.stderr).toBe(0);
    expect(b.stdout).toContain('40 (device, app) pairs held, 40 device rows');
    const shards = ['1/2', '2/2'].map((s, i) => join(tmp.dir, `shared-shard-${i + 1}`));
    for (const [i, out] of shards.entries()) {
      const r = await fleetsimAsync([
        'run',
        second,
        ...target,
        '--shard',
        `${i + 1}/2`,
        '--run-id',
        'rshared',
        '--tally-baseline-file',
        file,
        '--out',
        out,
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      // each shard checked its own devices against what the target held for them
      expect(read(out).reconciliation.devices).toMatchObject({ checked: true, differing: 0 });
      expect(read(out).reconciliation.baseline!.before!.counted[0]!.total).toBe(40);
    }
    const merged = join(tmp.dir, 'shared-merged');
    const m = await fleetsimAsync(['merge', ...shards, '--tallies-url', serve.httpUrl, '--out', merged]);
    expect(m.code, m.stdout + m.stderr).toBe(0);
    const r = read(merged).reconciliation;
    expect(r).toMatchObject({ checked: true, match: true, heldBefore: 40 });
    expect(r.baseline).toMatchObject({ pairsBefore: 40, reused: 30 });
    expect(m.stdout).toContain('baseline: after - before');
    // shards given different baselines are refused
    const other = JSON.parse(readFileSync(join(shards[1]!, 'report.json'), 'utf8')) as RunResult;
    other.reconciliation.baseline!.before!.counted[0]!.total = 39;
    const changed = join(tmp.dir, 'other-baseline.json');
    writeFileSync(changed, JSON.stringify(other));
    const bad = await fleetsimAsync(['merge', shards[0]!, changed, '--tallies-url', serve.httpUrl]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('the shards were given different baselines');
    // a baseline file for another scenario's apps is refused before anything is sent
    const vpn = tmp.write('vpn.yaml', tinyScenario().replace('com.acme.mail', 'com.acme.vpn'));
    const wrong = await fleetsimAsync(['run', vpn, ...target, '--tally-baseline-file', file]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('was read for the apps com.acme.mail, and this scenario has com.acme.vpn');
  });
});
