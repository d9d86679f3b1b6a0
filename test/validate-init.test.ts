/**
 * `fleetsim validate` finds every problem with no network (exit 3, all listed; exit 0 with a
 * summary), and `fleetsim init` writes a commented scenario that validates and runs as written.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../agent/scenario/load.js';
import { loadTargetFile } from '../agent/scenario/target-load.js';
import { cli, ROOT, tempDir, writeTemp } from './helpers.js';
import { fleetsimAsync } from './helpers/cli-async.js';
import { startServe } from './helpers/serve-process.js';

const MANY_MISTAKES = [
  'name: t',
  'maxInFlite: 3',
  'apps:',
  '  - id: a',
  '    colour: x',
  'cohorts:',
  ...Array.from({ length: 9 }, (_, i) => `  - { name: c${i}, platform: ios, count: ten }`),
  'thresholds: [errors.rat < 1%]',
  '',
].join('\n');

describe('fleetsim validate', () => {
  it('lists every problem at once (more than a run lists) with file:line, and exits 3', () => {
    const file = writeTemp('bad.yaml', MANY_MISTAKES);
    const r = cli(['validate', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('12 problems');
    expect(r.stderr).not.toContain('more');
    expect(r.stderr).toContain(`${file}:2: maxInFlite: unknown field "maxInFlite" (did you mean "maxInFlight"?)`);
    expect(r.stderr).toContain(`${file}:15: cohorts[8].count`);
    expect(r.stderr).toContain('did you mean "errors.rate"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('finds what only building the fleet finds: a quota larger than its cohort', () => {
    const file = writeTemp(
      'quota.yaml',
      'name: q\napps: [{ id: a }]\ncohorts: [{ name: c, platform: android, count: 5 }]\nquotas:\n  - { cohort: c, count: 9, end: { status: failed } }\n',
    );
    const r = cli(['validate', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/quotas\[0\]/);
  });

  it("refuses what a run would refuse in the target: the scenario's own target: and a --target-file", () => {
    const base = readFileSync(join(ROOT, 'scenarios', 'ci-gate.yaml'), 'utf8');
    const inline = writeTemp('inline-target.yaml', `${base}\ntarget:\n  url: ftp://127.0.0.1:1\n`);
    const r = cli(['validate', inline]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`${inline}:\\d+: url: ftp://127.0.0.1:1 has the scheme ftp:`));
    const scenario = join(ROOT, 'scenarios', 'ci-gate.yaml');
    const target = writeTemp('t.yaml', 'url: mqtt://127.0.0.1:1883\nwire:\n  topic: "fleet/{deviceId}/{colour}"\n');
    const t = cli(['validate', scenario, '--target-file', target]);
    expect(t.code).toBe(3);
    expect(t.stderr).toContain(`${target}:3`);
    expect(t.stderr).toContain('colour');
    const good = writeTemp('good.yaml', 'url: mqtt://127.0.0.1:1883\ntallies: { source: none }\n');
    const ok = cli(['validate', scenario, '--target-file', good]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(
      `target ${good}: mqtt://127.0.0.1:1883 (mqtt, fleetsim's wire), counts read back from nowhere`,
    );
  });

  it('says what a valid scenario holds, and exits 0', () => {
    const r = cli(['validate', join(ROOT, 'scenarios', 'ci-gate.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid. 600 devices (ios 200, android 200, windows 120, dme 80)');
    expect(r.stdout).toContain('5 thresholds');
  });
});

describe('fleetsim init', () => {
  it('writes a commented scenario from flags that validates and runs to a reconciled pass', () => {
    const dir = tempDir();
    const file = join(dir, 'rollout.yaml');
    const r = cli([
      'init',
      file,
      '--platforms',
      'ios,android',
      '--devices',
      '21',
      '--transport',
      'http',
      '--app',
      'com.acme.shop',
    ]);
    expect(r.code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^# yaml-language-server: \$schema=.*scenarios\/scenario\.schema\.json$/m);
    expect(text).toContain('# supervised: 0.8');
    const s = parseScenario(text, file);
    expect(s.cohorts.map((c) => [c.platform, c.count])).toEqual([
      ['ios', 11],
      ['android', 10],
    ]);
    expect(s.transport).toBe('http');
    expect(s.apps[0]!.id).toBe('com.acme.shop');
    const run = cli(['run', file, '--quiet', '--workers', '1', '--out', join(dir, 'out')]);
    expect(run.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')).reconciliation.match).toBe(true);
  });

  it('keeps its commented examples valid: uncommented, the file still validates', () => {
    const file = join(tempDir(), 's.yaml');
    expect(cli(['init', file]).code).toBe(0);
    const open = readFileSync(file, 'utf8')
      .split('\n')
      .map((l) =>
        l.replace(
          /^(\s*)# (quotas:|overrides:| {2}- \{|ios: \{|dme: \{|supervised:|osVersions:|arrival:|connectivity:|method:)/,
          '$1$2',
        ),
      )
      .join('\n');
    expect(open).toContain('\nquotas:');
    expect(() => parseScenario(open, file)).not.toThrow();
  });

  it('with --target writes a commented target file beside it that validates and runs against a real serve', async () => {
    const serve = await startServe([]);
    try {
      const dir = tempDir();
      const file = join(dir, 'mine.yaml');
      const r = cli(['init', file, '--devices', '24', '--platforms', 'ios,android', '--target', serve.mqttUrl]);
      expect(r.code, r.stderr).toBe(0);
      const targetFile = join(dir, 'mine.target.yaml');
      expect(r.stdout).toContain(`wrote ${targetFile}`);
      expect(r.stdout).toContain(`fleetsim run ${file} --target-file ${targetFile}`);
      const text = readFileSync(targetFile, 'utf8');
      expect(text).toContain(`url: ${serve.mqttUrl}`);
      expect(readFileSync(file, 'utf8')).toContain('--target-file mine.target.yaml');
      expect(cli(['validate', file, '--target-file', targetFile]).code).toBe(0);
      // its commented blocks are valid when uncommented (the wire, identities, TLS)
      const open = text
        .split('\n')
        .map((l) => l.replace(/^# (wire:|tls:|headers:|clientId:|username:|password:|settle:| {2,}\S)/, '$1'))
        .join('\n');
      expect(open).toContain('\nwire:\n  topic:');
      const opened = join(dir, 'opened.target.yaml');
      writeFileSync(opened, open);
      expect(() => loadTargetFile(opened, { INGEST_TOKEN: 't', DEVICE_PASSWORD: 'p' })).not.toThrow();
      // as it is, the run sends and is not reconciled: exit 0, junit skipped
      const sent = await fleetsimAsync(['run', file, '--target-file', targetFile, '--quiet', '--out', join(dir, 'a')]);
      expect(sent.code, sent.stderr).toBe(0);
      expect(readFileSync(join(dir, 'a', 'junit.xml'), 'utf8')).toContain('<skipped');
      // following its comment (a fleetsim serve's tallies API), the counts are read back and match
      writeFileSync(targetFile, text.replace('  source: none\n', `  source: fleetsim\n  url: ${serve.httpUrl}\n`));
      const run = await fleetsimAsync(['run', file, '--target-file', targetFile, '--quiet', '--out', join(dir, 'b')]);
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(readFileSync(join(dir, 'b', 'report.json'), 'utf8'));
      expect(report.reconciliation.checked).toBe(true);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });

  it('asks for what the flags leave out, taking answers line by line', () => {
    const file = join(tempDir(), 'asked.yaml');
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'bin', 'fleetsim.js'), 'init', file, '--interactive', '--app', 'x.y'],
      {
        input: 'shop\nandroid, windows\n40\n\n',
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('Scenario name [my-rollout]');
    const s = parseScenario(readFileSync(file, 'utf8'), file);
    expect(s.name).toBe('shop');
    expect(s.cohorts.map((c) => c.platform)).toEqual(['android', 'windows']);
    expect(s.transport).toBe('mqtt');
    expect(s.apps[0]!.id).toBe('x.y');
  });

  it('refuses to overwrite a file without --force, and a platform it does not know', () => {
    const file = writeTemp('exists.yaml', 'keep me\n');
    const r = cli(['init', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('already exists; pass --force');
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');
    const other = join(tempDir(), 'x.yaml');
    const bad = cli(['init', other, '--platforms', 'ios,symbian']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('unknown platform "symbian"');
    expect(existsSync(other)).toBe(false);
    writeFileSync(file, 'keep me\n');
    expect(cli(['init', file, '--force']).code).toBe(0);
  });
});
