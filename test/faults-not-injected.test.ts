/**
 * A network fault timed after the run's end did nothing, and the report says so with both
 * times (not an empty line, not a silently missing restart): in one process, and with --workers,
 * where the parent owns the endpoint's restart. A drop whose devices' moments partly fall after
 * the end counts those devices.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../agent/scenario/load.js';
import { renderFaults } from '../reports/faults.js';
import { renderHtml } from '../reports/html.js';
import { runScenario } from '../run/run-scenario.js';
import { runWithWorkers } from '../run/workers.js';
import { cli, ROOT, tempDir, writeTemp } from './helpers.js';

const shipped = (name: string) => readFileSync(join(ROOT, 'scenarios', 'faults', name), 'utf8');

/** The restart scenario with its kill ten minutes in, long after its devices are done. */
const lateRestart = () =>
  writeTemp('late-restart.yaml', shipped('endpoint-restart.yaml').replace('at: 1500ms', 'at: 10m'));

const NOT_INJECTED =
  /^not injected: the run ended at \d+\.\d+ s \(wall time from the drive's start\), before the fault's moment at 600\.0 s;/;

describe('faults the run ended before', () => {
  it('an endpoint restart after the end: not injected, with when the run ended and when it was due', async () => {
    const file = lateRestart();
    const r = await runScenario(loadScenario(file), { scenarioFile: file });
    const line = r.faults![0]!;
    expect(line.notInjected).toMatch(NOT_INJECTED);
    expect(line.injected.restarts).toBeUndefined();
    expect(renderFaults(r)).toContain('not injected: the run ended at');
    // report.html has the faults section too, with the same sentence
    const html = renderHtml(r);
    expect(html).toContain('<h2>Faults</h2>');
    expect(html).toContain('kill-endpoint');
    expect(html).toContain('not injected: the run ended at');
    expect(r.verdict).toBe('passed');
  });

  it('--workers 2: the parent, which owns the restart, says it was not injected', async () => {
    const file = lateRestart();
    const r = await runWithWorkers(loadScenario(file), { scenarioFile: file }, 2);
    const line = r.faults![0]!;
    expect(line.notInjected).toMatch(NOT_INJECTED);
    expect(line.injected.restarts).toBeUndefined();
    expect(r.verdict).toBe('passed');
  });

  it("the endpoint's refusals timed after the end: not injected, with the window's start", async () => {
    const file = writeTemp(
      'late-refusal.yaml',
      shipped('refusing-endpoint.yaml').replace('at: 1s, for: 2s', 'at: 10m, for: 2s'),
    );
    const r = await runScenario(loadScenario(file), { scenarioFile: file });
    const line = r.faults!.find((f) => f.kind === 'refusing-endpoint')!;
    expect(line.notInjected).toMatch(/^not injected: the run ended at .* before the fault's window at 600\.0 s;/);
    expect(line.injected.refused).toBeUndefined();
    expect(r.verdict).toBe('passed');
  });

  it('a drop whose window outlasts the run: the devices struck and those whose moment came after the end make the cohort', async () => {
    const file = writeTemp(
      'long-drop.yaml',
      shipped('connection-drop.yaml').replace('at: 500ms, for: 1500ms', 'at: 500ms, for: 10m'),
    );
    const r = await runScenario(loadScenario(file), { scenarioFile: file });
    const line = r.faults![0]!;
    // 150 moments spread over ten minutes: most fall after a run of a few seconds
    expect(line.injected.afterRunEnd).toBeGreaterThan(0);
    expect((line.injected.struck ?? 0) + line.injected.afterRunEnd!).toBe(150);
    expect(line.notInjected === undefined).toBe((line.injected.struck ?? 0) > 0);
    expect(r.reconciliation.differences).toEqual([]);
  });

  it("fleetsim run --duration shorter than a wall fault's moment warns before the run, naming the fault's line", () => {
    const file = join(ROOT, 'scenarios', 'faults', 'refusing-endpoint.yaml');
    const r = cli(['run', file, '--duration', '500ms', '--out', tempDir()]);
    expect(r.stderr).toMatch(
      /warning: .*refusing-endpoint\.yaml:20: fault 'unavailable' \(refusing-endpoint\) is due at 1\.00 s of wall time from the drive's start, but --duration stops the run at 0\.50 s: it will not be injected/,
    );
  });
});
