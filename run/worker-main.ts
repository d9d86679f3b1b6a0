/**
 * A worker process: receives one job (a validated scenario, where its fields sit in its file, and
 * the run options for its shard), runs it against the shared endpoint, reports progress twice a
 * second and sends its result back, or its error as { code, exitCode, message }. Started by
 * workers.ts with child_process.fork.
 */
import { attachPositions, type SourcePositions } from '../agent/scenario/positions.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { toWire, type WireError } from '../protocol/errors.js';
import { type LiveState, type RunOptions, runScenario } from './run-scenario.js';

export interface WorkerJob {
  scenario: Scenario;
  /** So that errors found in the worker (a quota its shard cannot meet) still name file:line. */
  positions?: SourcePositions | undefined;
  options: Omit<RunOptions, 'clock' | 'onSend' | 'onEndpoint' | 'onTick' | 'logger'>;
}

export type WorkerMessage =
  | { type: 'tick'; progress: LiveState }
  | { type: 'result'; result: unknown }
  | ({ type: 'error' } & WireError);

function post(m: WorkerMessage): Promise<void> {
  return new Promise((resolve) => process.send!(m, () => resolve()));
}

process.once('message', (job: WorkerJob) => {
  if (job.positions && job.scenario) attachPositions(job.scenario, job.positions);
  runScenario(job.scenario, {
    ...job.options,
    tickMs: 500,
    onTick: (progress) => void post({ type: 'tick', progress }),
  }).then(
    async (result) => {
      await post({ type: 'result', result });
      process.exit(0);
    },
    async (err: unknown) => {
      await post({ type: 'error', ...toWire(err) });
      process.exit(1);
    },
  );
});
