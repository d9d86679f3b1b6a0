/**
 * A worker process: receives one job (a validated scenario and the runner options for its
 * shard), runs it against the shared endpoint, reports progress twice a second and sends its
 * result back. Started by workers.ts with child_process.fork.
 */
import { isFleetsimError } from '../protocol/errors.js';
import { runScenario, type RunOptions } from './runner.js';
import type { Scenario } from './scenario/schema.js';

export interface WorkerJob {
  scenario: Scenario;
  options: Omit<RunOptions, 'clock' | 'onSend' | 'onEndpoint' | 'onTick'>;
}

export type WorkerMessage =
  | { type: 'tick'; sent: number; acked: number; failed: number; connections: number; remaining: number }
  | { type: 'result'; result: unknown }
  | { type: 'error'; code: string | undefined; message: string; stack?: string | undefined };

function post(m: WorkerMessage): Promise<void> {
  return new Promise((resolve) => process.send!(m, () => resolve()));
}

process.once('message', (job: WorkerJob) => {
  runScenario(job.scenario, {
    ...job.options,
    onTick: (s) => void post({ type: 'tick', sent: s.sent, acked: s.acked, failed: s.failed, connections: s.connections, remaining: s.sim.remaining }),
  }).then(
    async (result) => {
      await post({ type: 'result', result });
      process.exit(0);
    },
    async (err: Error) => {
      await post({ type: 'error', code: isFleetsimError(err) ? err.code : undefined, message: err.message, stack: err.stack });
      process.exit(1);
    },
  );
});
