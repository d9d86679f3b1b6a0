/**
 * Ctrl-C or SIGTERM mid-run: the first signal stops sending, what is in flight settles, the
 * tallies are reconciled over what was sent, and every rendering is written marked aborted by
 * the signal (exit 130 / 143); a second signal exits at once. With worker processes a terminal's
 * Ctrl-C reaches the whole process group: the workers leave the stop to the parent.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir, writeTemp } from './helpers.js';
import { tinyScenario } from './scenario-files.js';

// devices arrive over 10 simulated hours at 3000x: about 12 s of steady sending, never done before the stop
const SLOW = tinyScenario([], { devices: 60, timeScale: '3000', arrival: '{ uniform: ["0s", "10h"] }' });

function start(args: string[], detached = false) {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'fleetsim.js'), 'run', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, stderr: () => stderr, stdout: () => stdout };
}

/** Waits until the run has streamed `n` seconds in which events were sent. */
async function seconds(file: string, n: number): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const sending = existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l.includes('"point"') && !l.includes('"sent":0,'))
      : [];
    if (sending.length >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${n} seconds of sending in ${file}`);
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
}

describe('a run stopped by a signal', () => {
  it('SIGINT: stops sending, reconciles what was sent, writes every rendering marked aborted, exits 130', async () => {
    const dir = tempDir();
    const out = join(dir, 'run');
    const run = start([
      writeTemp('slow.yaml', SLOW),
      '--quiet',
      '--workers',
      '1',
      '--out',
      out,
      '--jsonl',
      join(dir, 'm.jsonl'),
    ]);
    await seconds(join(dir, 'm.jsonl'), 2);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.stderr()).toContain('SIGINT: stopping');
    const r = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(r.aborted).toMatchObject({ by: 'signal' });
    expect(r.aborted.reason).toContain('SIGINT');
    expect(r.events.sent).toBeGreaterThan(0);
    expect(r.events.sent).toBe(r.events.acked + r.events.failed);
    // ground truth is what was sent: the endpoint's tallies match it exactly
    expect(r.reconciliation).toMatchObject({ checked: true, match: true });
    expect(r.devices.installations).toBeGreaterThan(0);
    for (const f of ['summary.md', 'report.html', 'junit.xml']) expect(existsSync(join(out, f)), f).toBe(true);
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('Aborted');
    // not "PASSED": the scenario did not run to its end, whatever what was sent reconciled to
    expect(md.split('\n')[0]).toMatch(/: STOPPED by SIGINT \(what was sent reconciled\)$/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('STOPPED by SIGINT');
    expect(run.stdout()).toContain('STOPPED by SIGINT');
    expect(run.stdout()).not.toContain('PASSED');
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('<property name="aborted"');
    const lines = readFileSync(join(dir, 'm.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ type: 'summary', aborted: { by: 'signal' } });
  });

  it('SIGTERM to a run with workers, as Kubernetes sends it: exit 143, merged report aborted and reconciled', async () => {
    const dir = tempDir();
    const out = join(dir, 'run');
    const run = start([
      writeTemp('slow.yaml', SLOW),
      '--quiet',
      '--workers',
      '2',
      '--out',
      out,
      '--jsonl',
      join(dir, 'm.jsonl'),
    ]);
    await seconds(join(dir, 'm.jsonl'), 2);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(143);
    const r = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(r.parts).toBe(2);
    expect(r.aborted).toMatchObject({ by: 'signal' });
    expect(r.reconciliation).toMatchObject({ checked: true, match: true });
  });

  it('Ctrl-C in a terminal reaches the workers too (the process group): they leave the stop to the parent', async () => {
    const dir = tempDir();
    const out = join(dir, 'run');
    const run = start(
      [writeTemp('slow.yaml', SLOW), '--quiet', '--workers', '2', '--out', out, '--jsonl', join(dir, 'm.jsonl')],
      true,
    );
    await seconds(join(dir, 'm.jsonl'), 2);
    process.kill(-run.child.pid!, 'SIGINT');
    expect(await run.exited).toBe(130);
    const r = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(r.reconciliation).toMatchObject({ checked: true, match: true });
  });

  it('a second signal exits at once', async () => {
    const dir = tempDir();
    const run = start([
      writeTemp('slow.yaml', SLOW),
      '--quiet',
      '--workers',
      '1',
      '--out',
      join(dir, 'run'),
      '--jsonl',
      join(dir, 'm.jsonl'),
    ]);
    await seconds(join(dir, 'm.jsonl'), 1);
    run.child.kill('SIGINT');
    await until(() => run.stderr().includes('stopping'));
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.stderr()).toContain('second SIGINT: exiting at once');
  });

  it('--duration stops the same way and keeps the verdict as the exit code', async () => {
    const dir = tempDir();
    const out = join(dir, 'run');
    const run = start([
      writeTemp('slow.yaml', SLOW),
      '--quiet',
      '--workers',
      '1',
      '--out',
      out,
      '--duration',
      '1500ms',
    ]);
    expect(await run.exited).toBe(0);
    const r = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(r.aborted).toMatchObject({ by: 'duration' });
    expect(r.reconciliation).toMatchObject({ checked: true, match: true });
  });
});
