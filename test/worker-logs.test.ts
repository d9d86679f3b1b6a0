/**
 * --log-level debug promises a `second` line a second in fleetsim.log: with worker processes
 * each worker's lines reach the run log too, tagged with the worker (they were lost before).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeTemp } from './helpers.js';
import { tinyScenario } from './scenario-files.js';

describe('workers in the run log', () => {
  it("writes every worker's per-second lines, tagged, at --log-level debug", () => {
    const dir = tempDir();
    const file = writeTemp('slow.yaml', tinyScenario([], { devices: 60, timeScale: '300000' }));
    const r = cli(['run', file, '--quiet', '--workers', '2', '--log-level', 'debug', '--out', join(dir, 'run')]);
    expect(r.code).toBe(0);
    const lines = readFileSync(join(dir, 'run', 'fleetsim.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const seconds = lines.filter((l) => l.msg === 'second');
    const byWorker = new Map<string, number>();
    for (const l of seconds) byWorker.set(l.worker, (byWorker.get(l.worker) ?? 0) + 1);
    expect([...byWorker.keys()].sort()).toEqual(['1/2', '2/2']);
    const report = JSON.parse(readFileSync(join(dir, 'run', 'report.json'), 'utf8'));
    // about one line a second from each worker over the run
    for (const n of byWorker.values()) expect(n).toBeGreaterThanOrEqual(Math.floor(report.durationMs / 1000) - 1);
    expect(lines.some((l) => l.msg === 'fleet built, devices starting' && l.worker === '1/2')).toBe(true);
    // info level keeps the workers' debug lines out
    const quiet = cli(['run', file, '--quiet', '--workers', '2', '--out', join(dir, 'info')]);
    expect(quiet.code).toBe(0);
    expect(readFileSync(join(dir, 'info', 'fleetsim.log'), 'utf8')).not.toContain('"msg":"second"');
  });
});
