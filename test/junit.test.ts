/**
 * junit.xml as CI reads it: a run that was not reconciled (no tally source) and exits 0 shows
 * its reconciliation as <skipped> with the reason, not as a failure; every suite says when, how
 * long, on which host, and with which seed, scenario and target it ran.
 */
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../reports/junit.js';
import type { RunResult } from '../result/result.js';
import { fixtureResult } from './result-fixture.js';

const base = fixtureResult({
  samplesUs: [800, 900, 1000, 1200],
  t0: 1_767_225_600,
  seconds: 2,
  expected: [{ appId: 'com.acme.mail', platform: 'ios', status: 'installed', state: 'installed', n: 3 }],
});

const unreconciled: RunResult = {
  ...base,
  startedAt: '2026-01-01T00:00:00.123Z',
  environment: { ...base.environment, hostname: 'ci-runner-7' },
  target: { kind: 'external', url: 'mqtt://127.0.0.1:1883' },
  reconciliation: {
    checked: false,
    match: false,
    reason: 'the external MQTT target has no tallies API; pass --tallies-url to reconcile',
    apps: [],
    differences: [],
  },
};

describe('junit.xml', () => {
  it('reports an unreconciled run as skipped with the reason, and no failure', () => {
    expect(unreconciled.exitCode).toBe(0);
    const xml = renderJunit(unreconciled);
    expect(xml).toMatch(
      /<testcase name="reconciliation"[^>]*>\s*<skipped message="not checked: the external MQTT target has no tallies API; pass --tallies-url to reconcile"\/>/,
    );
    expect(xml).not.toContain('<failure');
    expect(xml).toMatch(/<testsuites [^>]*failures="0"[^>]*skipped="1"/);
    expect(xml).toMatch(/<testsuite name="fixture reconciliation" tests="1" failures="0" errors="0" skipped="1"/);
  });

  it('fills time, timestamp (ISO 8601, no zone or fraction) and hostname on every suite', () => {
    const xml = renderJunit(unreconciled);
    const suites = [...xml.matchAll(/<testsuite ([^>]*)>/g)].map((m) => m[1]!);
    expect(suites).toHaveLength(2);
    for (const s of suites) {
      expect(s).toContain('time="2.000"');
      expect(s).toContain('timestamp="2026-01-01T00:00:00"');
      expect(s).toContain('hostname="ci-runner-7"');
    }
    // a threshold judges the whole run: its case has the run's time
    expect(xml).toMatch(/<testcase name="errors.count == 0 \(implicit\)" [^>]*time="2.000">/);
  });

  it('lists seed, scenario and target as properties of each suite', () => {
    const xml = renderJunit(unreconciled);
    const props = xml.slice(xml.indexOf('<properties>'), xml.indexOf('</properties>'));
    expect(props).toContain('<property name="seed" value="1"/>');
    expect(props).toContain('<property name="scenario" value="fixture"/>');
    expect(props).toContain('<property name="scenario.file" value="fixture.yaml"/>');
    expect(props).toContain('<property name="target" value="external mqtt://127.0.0.1:1883"/>');
    expect(xml.match(/<properties>/g)).toHaveLength(2);
  });

  it('still fails a reconciled run whose tallies differ', () => {
    const bad = fixtureResult({
      samplesUs: [800],
      t0: 1_767_225_600,
      seconds: 1,
      expected: [{ appId: 'com.acme.mail', platform: 'ios', status: 'installed', state: 'installed', n: 3 }],
      counted: [{ appId: 'com.acme.mail', platform: 'ios', status: 'installed', state: 'installed', n: 4 }],
    });
    const xml = renderJunit(bad);
    expect(xml).toMatch(/<testcase name="app com.acme.mail"[^>]*>\s*<failure message="1 tally difference/);
    expect(xml).not.toContain('<skipped');
  });
});
