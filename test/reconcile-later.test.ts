/**
 * Reconciling after the run: `fleetsim reconcile <report.json>` reads a target's counts again for
 * a run that was sent only, and `fleetsim merge --target-file` reconciles MQTT shards once through
 * the description's tally source. Against a real `fleetsim serve` over MQTT (which has no tallies
 * API on its MQTT URL: the description says where the counts are), through the real CLI.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../result/result.js';
import { fleetsimAsync } from './helpers/cli-async.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';
import { tempDir, tinyScenario } from './scenario-files.js';

const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunResult;

describe('reconciling a finished run', () => {
  let serve: ServeProcess | undefined;
  const tmp = tempDir();

  afterEach(async () => {
    serve?.child.kill('SIGTERM');
    await serve?.exited;
    serve = undefined;
  });

  it('fleetsim reconcile reads the counts a sent-only run left unchecked, and a mismatch exits 2', async () => {
    serve = await startServe([]);
    const scenario = tmp.write('later.yaml', tinyScenario());
    const sendOnly = tmp.write('send-only.yaml', `url: ${serve.mqttUrl}\ntallies: { source: none }\n`);
    const counts = tmp.write(
      'counted.yaml',
      `url: ${serve.mqttUrl}\ntallies: { source: fleetsim, url: "${serve.httpUrl}" }\n`,
    );
    const out = join(tmp.dir, 'sent');
    const r = await fleetsimAsync(['run', scenario, '--target-file', sendOnly, '--out', out, '--quiet']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const sent = read(out);
    expect(sent.reconciliation).toMatchObject({ checked: false });
    expect(sent.reconciliation.reason).toContain('fleetsim reconcile later');

    const later = await fleetsimAsync(['reconcile', out, '--target-file', counts]);
    expect(later.code, later.stdout + later.stderr).toBe(0);
    const again = read(join(out, 'reconciled'));
    expect(again.reconciliation).toMatchObject({ checked: true, match: true });
    expect(again.reconciliation.reconciledAt).toBeDefined();
    expect(again.runId).toBe(sent.runId);
    expect(again.events).toEqual(sent.events);
    expect(later.stdout).toContain('reconciled again at');

    // without flags it reads the description the run was given (report.json's target.file) again
    expect(sent.target.file).toBe(sendOnly);
    const same = await fleetsimAsync(['reconcile', out, '--out', join(tmp.dir, 'same')]);
    expect(same.code).toBe(3);
    expect(same.stderr).toContain(`${sendOnly} reads no counts back`);
    // counts that cannot be read are no pass for a command that only reads them
    const gone = tmp.write(
      'gone.yaml',
      `url: ${serve.mqttUrl}\ntallies: { source: fleetsim, url: "http://127.0.0.1:1" }\n`,
    );
    const unread = await fleetsimAsync(['reconcile', out, '--target-file', gone, '--out', join(tmp.dir, 'gone')]);
    expect(unread.code, unread.stdout + unread.stderr).toBe(4);
    expect(unread.stderr).toContain('the counts could not be read');
    expect(read(join(tmp.dir, 'gone')).reconciliation.checked).toBe(false);

    // the same with --tallies-url, and a second run's devices on top: the counts no longer match
    const twice = join(tmp.dir, 'sent-twice');
    const more = tmp.write('more.yaml', tinyScenario([], { devices: 45 }));
    expect((await fleetsimAsync(['run', more, '--target-file', sendOnly, '--out', twice, '--quiet'])).code).toBe(0);
    const stale = await fleetsimAsync([
      'reconcile',
      join(out, 'report.json'),
      '--tallies-url',
      serve.httpUrl,
      '--out',
      join(tmp.dir, 'stale'),
    ]);
    expect(stale.code, stale.stdout).toBe(2);
    expect(read(join(tmp.dir, 'stale')).verdict).toBe('reconciliation mismatch');
  });

  it("fleetsim reconcile finds the scenario's own target: and checks device by device, as the live run did", async () => {
    serve = await startServe([]);
    const inline = [
      'target:',
      `  url: ${serve.mqttUrl}`,
      `  tallies: { source: fleetsim, url: "${serve.httpUrl}" }`,
      '  settle: { timeout: 20s, interval: 200ms }',
    ];
    const scenario = tmp.write('inline.yaml', tinyScenario(inline));
    const out = join(tmp.dir, 'inline');
    const live = await fleetsimAsync(['run', scenario, '--out', out, '--quiet']);
    expect(live.code, live.stdout + live.stderr).toBe(0);
    const liveDevices = read(out).reconciliation.devices;
    expect(liveDevices).toMatchObject({ checked: true, pairs: 40, differing: 0 });

    // no flags: the scenario's target: is the description, its ground truth simulated again
    const later = await fleetsimAsync(['reconcile', out]);
    expect(later.code, later.stdout + later.stderr).toBe(0);
    const again = read(join(out, 'reconciled'));
    expect(again.reconciliation).toMatchObject({ checked: true, match: true });
    expect(again.reconciliation.devices).toEqual(liveDevices);
    expect(later.stdout).toContain('devices: all 40 (device, app) pairs match');

    // another fleet over the same device ids, sent only: the devices it moved are named
    const sendOnly = tmp.write('inline-send-only.yaml', `url: ${serve.mqttUrl}\ntallies: { source: none }\n`);
    const other = tmp.write('inline-other.yaml', tinyScenario([], { devices: 20 }).replace('seed: 5', 'seed: 9'));
    expect(
      (await fleetsimAsync(['run', other, '--target-file', sendOnly, '--out', join(tmp.dir, 'o'), '--quiet'])).code,
    ).toBe(0);
    const stale = await fleetsimAsync(['reconcile', out, '--out', join(tmp.dir, 'inline-stale')]);
    expect(stale.code, stale.stdout + stale.stderr).toBe(2);
    const devices = read(join(tmp.dir, 'inline-stale')).reconciliation.devices!;
    expect(devices.checked).toBe(true);
    expect(devices.differing).toBeGreaterThan(0);
    expect(devices.differences[0]!.deviceId).toMatch(/^(android|ios)-\d+$/);
    expect(stale.stdout).toMatch(/devices: \d+ of 40 \(device, app\) pairs differ/);

    // a scenario that no longer gives the run's ground truth is not trusted for the devices
    const edited = tmp.write(
      'inline-edited.yaml',
      tinyScenario(inline).replace('id: com.acme.mail', 'id: com.acme.other'),
    );
    const e = await fleetsimAsync(['reconcile', out, '--scenario', edited, '--out', join(tmp.dir, 'inline-edited')]);
    const skipped = read(join(tmp.dir, 'inline-edited')).reconciliation.devices!;
    // (the tallies alone match again: the other fleet's reports left them as they were, only seqs moved)
    expect(e.code, e.stdout + e.stderr).toBe(0);
    expect(skipped.checked).toBe(false);
    expect(skipped.reason).toContain("does not give the run's expected tallies");

    // --target-file replaces the scenario's target:, as in run; one that reads nothing is refused
    const refused = await fleetsimAsync(['reconcile', out, '--target-file', sendOnly]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('reads no counts back');
  });

  it('fleetsim reconcile without a way to the counts says what to give', async () => {
    serve = await startServe([]);
    const scenario = tmp.write('nowhere.yaml', tinyScenario());
    const out = join(tmp.dir, 'nowhere');
    expect((await fleetsimAsync(['run', scenario, '--target', serve.mqttUrl, '--out', out, '--quiet'])).code).toBe(0);
    const r = await fleetsimAsync(['reconcile', out]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/which has no tallies API: give --target-file .* or --tallies-url/);
  });

  it('fleetsim reconcile of one shard: its part of the fleet simulated again, its devices checked alone', async () => {
    serve = await startServe([]);
    const scenario = tmp.write('one-shard.yaml', tinyScenario([], { devices: 40 }));
    const target = tmp.write(
      'one-shard-target.yaml',
      `url: ${serve.mqttUrl}\ntallies: { source: fleetsim, url: "${serve.httpUrl}" }\nsettle: { timeout: 20s, interval: 200ms }\n`,
    );
    // a fleet resized by --devices: the report holds the shard's count only
    const dir = join(tmp.dir, 'one-shard');
    const flags = ['--target-file', target, '--shard', '2/3', '--devices', '33', '--out', dir, '--quiet'];
    const r = await fleetsimAsync(['run', scenario, ...flags]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const one = await fleetsimAsync(['reconcile', dir, '--out', join(dir, 'again')]);
    expect(one.code, one.stdout + one.stderr).toBe(0);
    const again = read(join(dir, 'again')).reconciliation;
    expect(again.devices).toMatchObject({ checked: true, differing: 0, pairs: read(dir).devices.installations });
    expect(again.reason).toContain('shard 2/3: its devices are checked one by one here');
  });

  it('fleetsim merge --target-file reconciles MQTT shards once through its tally source', async () => {
    serve = await startServe([]);
    const scenario = tmp.write('sharded.yaml', tinyScenario([], { devices: 40 }));
    const target = tmp.write(
      'shards-target.yaml',
      `url: ${serve.mqttUrl}\ntallies: { source: fleetsim, url: "${serve.httpUrl}" }\nsettle: { timeout: 20s, interval: 200ms }\n`,
    );
    const dirs = [0, 1].map((i) => join(tmp.dir, `shard-${i}`));
    for (const [i, dir] of dirs.entries()) {
      const r = await fleetsimAsync([
        'run',
        scenario,
        '--target-file',
        target,
        '--shard',
        `${i + 1}/2`,
        '--run-id',
        'rshards',
        '--out',
        dir,
        '--quiet',
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(read(dir).reconciliation.checked).toBe(false);
    }
    const merged = join(tmp.dir, 'merged');
    const m = await fleetsimAsync(['merge', ...dirs, '--target-file', target, '--out', merged]);
    expect(m.code, m.stdout + m.stderr).toBe(0);
    const result = read(merged);
    expect(result).toMatchObject({ parts: 2, runId: 'rshards', reconciliation: { checked: true, match: true } });
    expect(result.reconciliation.apps[0]!.expected.total).toBe(50);
    expect(result.reconciliation.settle?.consistent).toBe(true);

    for (const f of ['summary.md', 'junit.xml', 'report.html']) expect(existsSync(join(merged, f)), f).toBe(true);

    // without the description, MQTT shards cannot be reconciled, and the message says how
    const refused = await fleetsimAsync(['merge', ...dirs]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('--target-file');

    // namespaced shards on top of the first ones: the merge counts only their own devices
    const spaced = [0, 1].map((i) => join(tmp.dir, `spaced-${i}`));
    for (const [i, dir] of spaced.entries()) {
      const r = await fleetsimAsync([
        'run',
        scenario,
        ...['--target', serve.mqttUrl, '--tallies-url', serve.httpUrl, '--namespace', '--run-id', 'rspaced'],
        ...['--shard', `${i + 1}/2`, '--out', dir, '--quiet'],
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(read(dir).namespaced).toBe(true);
    }
    const out = join(tmp.dir, 'spaced-merged');
    const n = await fleetsimAsync(['merge', ...spaced, '--tallies-url', serve.httpUrl, '--out', out]);
    expect(n.code, n.stdout + n.stderr).toBe(0);
    expect(read(out)).toMatchObject({ runId: 'rspaced', namespaced: true, reconciliation: { match: true } });
    expect(read(out).reconciliation.apps[0]!.counted.total).toBe(50);
  });
});
