/**
 * A worker process: receives one job (a validated scenario, where its fields sit in its file, and
 * the run options for its shard), runs it against the shared endpoint, reports progress twice a
 * second and sends its result back, or its error as { code, exitCode, message }. Started by
 * workers.ts with child_process.fork.
 */
import { attachPositions, type SourcePositions } from '../agent/scenario/positions.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { toWire, type WireError } from '../protocol/errors.js';
import { type LiveState, type RunLogger, type RunOptions, runScenario } from './run-scenario.js';
import type { TimelinePoint } from '../drive/metrics.js';

export interface WorkerJob {
  scenario: Scenario;
  /** So that errors found in the worker (a quota its shard cannot meet) still name file:line. */
  positions?: SourcePositions | undefined;
  options: Omit<
    RunOptions,
    'clock' | 'onSend' | 'onEndpoint' | 'onNetwork' | 'onTick' | 'logger' | 'signal' | 'onPoint'
  >;
  /** The run log's level: the worker sends the lines at or above it to the parent's log. */
  logLevel?: string;
}

/** The parent stops the run (its Ctrl-C, SIGTERM or --duration) with `{ type: 'stop', reason }`. */
export interface StopMessage {
  type: 'stop';
  reason: unknown;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** A RunLogger whose lines go to the parent over IPC (a disabled level costs a no-op call). */
function ipcLogger(level: string | undefined): RunLogger | undefined {
  if (!level || level === 'silent') return undefined;
  const at = LEVELS.indexOf(level);
  const line = (l: 'info' | 'warn' | 'debug') =>
    LEVELS.indexOf(l) >= at
      ? (obj: object, msg?: string) => void post({ type: 'log', level: l, obj, msg })
      : () => undefined;
  return { info: line('info'), warn: line('warn'), debug: line('debug') };
}

export type WorkerMessage =
  | { type: 'tick'; progress: LiveState }
  | { type: 'point'; point: TimelinePoint }
  | { type: 'log'; level: 'info' | 'warn' | 'debug'; obj: object; msg?: string | undefined }
  | { type: 'result'; result: unknown }
  | ({ type: 'error' } & WireError);

function post(m: WorkerMessage): Promise<void> {
  return new Promise((resolve) => process.send!(m, () => resolve()));
}

// A terminal's Ctrl-C reaches the whole process group: the parent decides, and says so by IPC.
const stop = new AbortController();
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.on('disconnect', () => process.exit(1));
process.on('message', (m: StopMessage | WorkerJob) => {
  if ((m as StopMessage).type === 'stop') stop.abort((m as StopMessage).reason);
});

process.once('message', (job: WorkerJob) => {
  if (job.positions && job.scenario) attachPositions(job.scenario, job.positions);
  const logger = ipcLogger(job.logLevel);
  runScenario(job.scenario, {
    ...(logger ? { logger } : {}),
    signal: stop.signal,
    onPoint: (point) => void post({ type: 'point', point }),
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
