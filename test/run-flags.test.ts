/**
 * Load from the command line and the environment: --time-scale, --rate, --ramp override the
 * scenario (validated with it, a bad value named by its flag), FLEETSIM_<FLAG> fills any flag
 * the command line leaves out, other FLEETSIM_ variables are not taken for flags, and --help
 * shows examples and an epilog naming docs and exit codes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../agent/scenario/load.js';
import { loadOverrides, stopControl } from '../cli/run-controls.js';
import { ManualClock } from '../core/clock.js';
import { cli, ROOT, tempDir, writeTemp } from './helpers.js';
import { tinyScenario } from './scenario-files.js';

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'fleetsim.js'), 'run', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return { code: r.status, stderr: r.stderr };
}

describe('scenario values from flags', () => {
  it("--time-scale, --rate and --ramp replace the file's values before validation", () => {
    const s = parseScenario(tinyScenario(), 'tiny.yaml', {
      set: loadOverrides({ timeScale: '600', rate: '2000/s', ramp: '10m' }),
    });
    expect(s.timeScale).toBe(600);
    expect(s.load?.rate).toBe(2000);
    expect(s.load?.model === 'closed' ? s.load.rampUp : undefined).toBe('10m');
  });

  it('names the flag of a value the scenario refuses', () => {
    expect(() => loadOverrides({ rate: 'fast' })).toThrow(/--rate "fast" is not a rate/);
    expect(() =>
      parseScenario(tinyScenario(), 'tiny.yaml', {
        set: [{ path: ['maxInFlight'], value: 0, from: '--max-in-flight' }],
      }),
    ).toThrow(/\(from --max-in-flight 0\)/);
  });
});

describe('FLEETSIM_ environment', () => {
  it('fills flags the command line leaves out; the command line wins; other FLEETSIM_ variables are ignored', () => {
    const dir = tempDir();
    const file = writeTemp('tiny.yaml', tinyScenario());
    const env = {
      FLEETSIM_DEVICES: '12',
      FLEETSIM_WORKERS: '1',
      FLEETSIM_QUIET: 'true',
      FLEETSIM_AUTH_SECRET: 'not-a-flag-0123456789',
    };
    expect(run([file, '--out', join(dir, 'a')], env).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'a', 'report.json'), 'utf8')).devices.total).toBe(12);
    expect(run([file, '--out', join(dir, 'b'), '--devices', '8'], env).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'b', 'report.json'), 'utf8')).devices.total).toBe(8);
    const bad = run([file, '--out', join(dir, 'c')], { ...env, FLEETSIM_DEVICES: 'many' });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('--devices "many"');
  });
});

describe('--help', () => {
  it('shows examples and an epilog naming the docs and the exit codes', () => {
    const r = cli(['run', '--help']);
    expect(r.code).toBe(0);
    r.stdout = r.stdout.replace(/\s+/g, ' ');
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('fleetsim run my.yaml --devices 5000 --rate 2000');
    expect(r.stdout).toContain('FLEETSIM_<FLAG>');
    expect(r.stdout).toMatch(/Exit codes: 0 passed, 1 a threshold failed, 2 reconciliation mismatch/);
    expect(r.stdout).toContain('docs/report.md');
  });
});

describe('--duration', () => {
  it('aborts the run on the injected clock when the duration runs out, and not before', () => {
    const clock = new ManualClock(1_000);
    const stop = stopControl({ durationMs: 90_000, say: () => undefined, clock });
    try {
      clock.advance(89_999);
      expect(stop.signal.aborted).toBe(false);
      clock.advance(1);
      expect(stop.signal.aborted).toBe(true);
      expect(stop.signal.reason).toMatchObject({ by: 'duration' });
    } finally {
      stop.dispose();
    }
  });
});
