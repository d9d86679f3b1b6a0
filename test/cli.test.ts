import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, SMALL_SCENARIO, tempDir, writeTemp } from './helpers.js';

describe('the fleetsim command', () => {
  it('prints help listing its commands', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['run <scenario>', 'serve', 'trace <scenario>']) expect(r.stdout).toContain(c);
  });

  it('runs a scenario, prints the summary, writes report.json and exits 0', () => {
    const out = join(tempDir(), 'run');
    const file = writeTemp('small.yaml', SMALL_SCENARIO);
    const r = cli(['run', file, '--transport', 'http', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('reconciliation: tallies match');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report).toMatchObject({
      passed: true,
      reconciliation: { match: true },
      devices: { total: 200 },
      seed: 7,
      scenario: { name: 'small' },
    });
    expect(report.events.acked).toBe(report.events.sent);
    expect(report.throughput.eventsPerSec).toBeGreaterThan(0);
    expect(report.latency.ack.p99).toBeGreaterThanOrEqual(report.latency.ack.p50);
  });

  it('exits 4 with a clear message when the target is unreachable', () => {
    const file = writeTemp('small.yaml', SMALL_SCENARIO);
    const out = join(tempDir(), 'run');
    const r = cli(['run', file, '--transport', 'http', '--target', 'http://127.0.0.1:9', '--quiet', '--out', out]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('Cannot reach the HTTP target http://127.0.0.1:9');
    // no partial result: the folder holds only the log that says why
    expect(existsSync(join(out, 'report.json'))).toBe(false);
    expect(readFileSync(join(out, 'fleetsim.log'), 'utf8')).toContain('TargetUnreachableError');
  });

  it('refuses an unknown command with usage, exit 3', () => {
    const r = cli(['rnu']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Unknown');
  });
});
