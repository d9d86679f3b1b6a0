/**
 * The exit codes as CI sees them: the real CLI (node bin/fleetsim.js, built by `npm test`'s tsc
 * step) in a child process.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { tempDir, tinyScenario } from './scenario-files.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'fleetsim.js');

function fleetsim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const tmp = tempDir();
afterAll(() => tmp.cleanup());

beforeAll(() => {
  if (!existsSync(join(import.meta.dirname, '..', 'dist', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run `npm run build` (npm test does) first');
});

describe('fleetsim run exit codes', () => {
  it('0 when every check passes', async () => {
    const out = join(tmp.dir, 'pass');
    // one process: with --workers N the per-second lines stay in the workers
    const r = await fleetsim([
      'run',
      tmp.write('pass.yaml', tinyScenario()),
      '--out',
      out,
      '--quiet',
      '--log-level',
      'debug',
      '--workers',
      '1',
    ]);
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['report.json', 'summary.md', 'junit.xml', 'report.html', 'fleetsim.log'])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('failures="0"');
    // pino JSON lines: the run's start, at least one per-second point at debug, and its end
    const log = readFileSync(join(out, 'fleetsim.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log[0]).toMatchObject({ msg: 'run starting', scenario: 'tiny' });
    expect(log.some((l) => l.msg === 'fleet built, devices starting' && l.devices === 40)).toBe(true);
    expect(log.some((l) => l.msg === 'second' && l.level === 20)).toBe(true);
    expect(log[log.length - 1]).toMatchObject({ msg: 'run finished', verdict: 'passed' });
    // --quiet: no live progress on stderr
    expect(r.stderr).toBe('');
  });

  it('1 when a threshold fails, and junit.xml shows the failed case', async () => {
    const out = join(tmp.dir, 'slow');
    const file = tmp.write(
      'slow.yaml',
      tinyScenario(['thresholds:', '  - throughput.eventsPerSec > 100000000', '  - latency.ack.p99 < 60s']),
    );
    const r = await fleetsim(['run', file, '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(1);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(
      /<testcase name="throughput.eventsPerSec &gt; 100000000"[^>]*>\s*<failure message="throughput.eventsPerSec observed [\d.]+\/s, required &gt; 100000000\/s"/,
    );
    expect(junit).toMatch(/<testcase name="latency.ack.p99 &lt; 60s"[^>]*><\/testcase>/);
    const result = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(result.verdict).toBe('thresholds failed');

    // `fleetsim report` renders the same files again from report.json alone, with the same exit code
    const again = join(tmp.dir, 'again');
    const rr = await fleetsim(['report', join(out, 'report.json'), '--out', again]);
    expect(rr.code, rr.stderr).toBe(1);
    for (const f of ['junit.xml', 'summary.md', 'report.html']) {
      expect(readFileSync(join(again, f), 'utf8'), f).toBe(readFileSync(join(out, f), 'utf8'));
    }
    expect(rr.stdout).toContain('throughput.eventsPerSec > 100000000');
  });

  it('3 when fleetsim report is given something that is not a result', async () => {
    const r = await fleetsim(['report', tmp.write('not-a-result.json', '{"schema":"other"}')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('is not a fleetsim result');
  });

  describe('against an endpoint whose tallies were tampered with', () => {
    let ep: Endpoint;
    beforeAll(async () => {
      ep = await startEndpoint();
      // a count no device reported: reconciliation must find it
      ep.store.tallies.add('com.acme.mail', 'ios', 'installed', 'installed', 1);
    });
    afterAll(() => ep.close());

    it("2 on a reconciliation mismatch, and junit.xml shows the app's failed case", async () => {
      const out = join(tmp.dir, 'tampered');
      const r = await fleetsim([
        'run',
        tmp.write('t.yaml', tinyScenario()),
        '--transport',
        'http',
        '--target',
        ep.httpUrl,
        '--out',
        out,
        '--quiet',
      ]);
      expect(r.code, r.stderr).toBe(2);
      const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
      expect(junit).toMatch(/<testcase name="app com.acme.mail"[^>]*>\s*<failure message="1 tally difference/);
      expect(r.stdout).toContain('MISMATCH');
      const md = readFileSync(join(out, 'summary.md'), 'utf8');
      expect(md).toMatch(/^# fleetsim tiny: FAILED \(reconciliation mismatch, exit 2\)/);
      expect(md).toMatch(/\| com\.acme\.mail \| ios \| Installed \/ [^|]+ \| \d+ \| \d+ \|/);
    });
  });

  it('3 on an invalid scenario, naming file and line, with no stack trace', async () => {
    const file = tmp.write('bad.yaml', tinyScenario(['thresholds:', '  - latency.ack.p99 < quickly']));
    const r = await fleetsim(['run', file, '--quiet']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${file}:11: thresholds[0]`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('3 on bad usage', async () => {
    const r = await fleetsim(['run', tmp.write('ok.yaml', tinyScenario()), '--devices', '-4']);
    expect(r.code).toBe(3);
  });

  it('4 when the target is unreachable', async () => {
    const r = await fleetsim([
      'run',
      tmp.write('u.yaml', tinyScenario()),
      '--transport',
      'http',
      '--target',
      'http://127.0.0.1:1',
      '--quiet',
      '--out',
      join(tmp.dir, 'unreachable'),
    ]);
    expect(r.code).toBe(4);
    // the run folder keeps the log of what happened
    const log = readFileSync(join(tmp.dir, 'unreachable', 'fleetsim.log'), 'utf8');
    expect(log).toContain('"msg":"run failed"');
  });
});
