/**
 * A worker process: receives one job (a validated scenario and the runner options for its
 * shard), runs it against the shared endpoint, reports progress twice a second and sends its
 * result back. Started by workers.ts with child_process.fork.
 */
import { toWire, type WireError } from '../protocol/errors.js';
import { runScenario, type LiveState, type RunOptions } from './run-scenario.js';
import type { Scenario } from '../agent/scenario/schema.js';

export interface WorkerJob {
  scenario: Scenario;
  options: Omit<RunOptions, 'clock' | 'onSend' | 'onEndpoint' | 'onTick' | 'logger'>;
}

/** The numbers of a worker's live state (the simulator and metrics stay in the worker). */
export type WorkerProgress = Omit<LiveState, 'sim' | 'metrics'> & { remaining: number };

export type WorkerMessage =
  | { type: 'tick'; progress: WorkerProgress; lastError?: string | undefined }
  | { type: 'result'; result: unknown }
  | ({ type: 'error' } & WireError);

function post(m: WorkerMessage): Promise<void> {
  return new Promise((resolve) => process.send!(m, () => resolve()));
}

process.once('message', (job: WorkerJob) => {
  runScenario(job.scenario, {
    ...job.options,
    tickMs: 500,
    onTick: ({ sim, metrics, ...numbers }) =>
      void post({ type: 'tick', progress: { ...numbers, remaining: sim.remaining }, lastError: metrics.lastError }),
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
