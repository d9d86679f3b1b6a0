/**
 * A worker process that dies mid-run (kill -9) no longer takes the run's report with it: the
 * other workers' figures are kept, the lost worker and its devices are named, reconciliation is
 * not presented as a mismatch, and the verdict is the simulator's give-up (exit 4).
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../agent/scenario/load.js';
import { renderSummary } from '../reports/summary.js';
import { runWithWorkers } from '../run/workers.js';
import { ROOT, tempDir, writeTemp } from './helpers.js';
import { tinyScenario } from './scenario-files.js';

/** A process's forked workers (worker-main), by pid. */
function workerPids(parent = process.pid): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(parent), '-f', 'worker-main'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe('--workers 2 when one worker is killed', () => {
  it('reports what the other did, names the lost worker and its devices, and gives up (exit 4)', async () => {
    // 40 devices arriving over 10 simulated minutes at 10x: the survivor is stopped once the
    // other is killed (as --duration would), so the run is short whatever the lifecycles' length
    const scenario = parseScenario(
      tinyScenario([], { arrival: '{ uniform: ["0s", "10m"] }', timeScale: '10' }),
      'tiny.yaml',
    );
    let killed: number | undefined;
    const stop = new AbortController();
    const r = await runWithWorkers(
      scenario,
      {
        scenarioFile: 'tiny.yaml',
        transport: 'http',
        tickMs: 100,
        signal: stop.signal,
        onTick: (s) => {
          if (killed !== undefined || s.acked === 0) return;
          const pids = workerPids();
          if (pids.length < 2) return;
          killed = Math.max(...pids);
          process.kill(killed, 'SIGKILL');
          setTimeout(() => stop.abort({ by: 'duration', reason: 'the test stops the survivor' }), 500);
        },
      },
      2,
    );
    expect(killed).toBeDefined();
    expect(r.verdict).toBe('gave up');
    expect(r.exitCode).toBe(4);
    expect(r.lostWorkers?.workers).toHaveLength(1);
    expect(r.lostWorkers?.workers[0]).toMatch(/^worker [12]\/2 exited \(SIGKILL\) before sending its result$/);
    // the survivor's shard is whole: 20 of the 40 devices, the lost worker's 20 named
    expect(r.devices.total).toBe(20);
    expect(r.lostWorkers?.devices).toBe(20);
    expect(r.events.acked).toBeGreaterThan(0);
    expect(r.reconciliation.checked).toBe(false);
    expect(r.reconciliation.reason).toContain('cannot be compared');
    expect(renderSummary(r)).toContain('FAILED: gave up (exit 4)');
    expect(renderSummary(r)).toMatch(
      /The simulator gave up on part of the run: worker [12]\/2 exited \(SIGKILL\).*its 20 devices are not in this report/,
    );
  });

  it('workers die with their parent: kill -9 of fleetsim run leaves no worker running', async () => {
    const file = writeTemp('slow.yaml', tinyScenario([], { arrival: '{ uniform: ["0s", "10m"] }', timeScale: '10' }));
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'fleetsim.js'), 'run', file, '--workers', '2', '--quiet', '--out', join(tempDir(), 'o')],
      {
        stdio: 'ignore',
      },
    );
    let pids: number[] = [];
    while (pids.length < 2) {
      await new Promise((r) => setTimeout(r, 100));
      pids = workerPids(child.pid);
    }
    child.kill('SIGKILL');
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    while (pids.some(alive)) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(alive)).toEqual([]);
  });
});
