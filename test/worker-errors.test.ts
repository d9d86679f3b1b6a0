/**
 * A worker's error crosses the process boundary as { code, exitCode, message } and comes back as
 * the class it was thrown as: every class in protocol/errors.ts through a real child process, and
 * the real worker (dist/run/worker-main.js) failing in the ways a run can fail.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../agent/scenario/load.js';
import { positionsOf } from '../agent/scenario/positions.js';
import {
  ERROR_CLASSES,
  InternalError,
  ScenarioError,
  TargetUnreachableError,
  UsageError,
  WorkerError,
} from '../protocol/errors.js';
import { runWorker } from '../run/workers.js';
import type { WorkerJob } from '../run/worker-main.js';
import { SMALL_SCENARIO } from './helpers.js';

const THROWING = fileURLToPath(new URL('./helpers/throwing-worker.mjs', import.meta.url));
const shard = { index: 0, count: 1 };
const noTicks = () => undefined;

function fail(job: WorkerJob, entry?: string): Promise<unknown> {
  return runWorker(job, noTicks, entry).done.then(
    () => {
      throw new Error('the worker succeeded');
    },
    (err: unknown) => err,
  );
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("a worker's error", () => {
  it.each(Object.keys(ERROR_CLASSES))('%s comes back as the same class, code, exit code and message', async (code) => {
    const thrown = ERROR_CLASSES[code]!('x');
    const err = await fail({ scenario: {} as never, options: { scenarioFile: code, shard } }, THROWING);
    expect(err).toBeInstanceOf(thrown.constructor);
    expect(err).toMatchObject({ code, exitCode: thrown.exitCode, name: thrown.name, internal: thrown.internal });
    expect((err as Error).message).toContain(`failed with ${code}`);
    // a bug brings its stack from the worker, and says which worker
    if (thrown.internal) expect((err as Error).message).toMatch(/^worker 1\/1 failed: \w+Error: failed with/);
  });

  it('a plain JavaScript error (a bug) comes back as an internal error carrying its stack', async () => {
    const err = await fail({ scenario: {} as never, options: { scenarioFile: 'TypeError', shard } }, THROWING);
    expect(err).toBeInstanceOf(InternalError);
    expect(err).toMatchObject({ code: 'INTERNAL', exitCode: 70 });
    expect((err as Error).message).toMatch(/^worker 1\/1 failed: TypeError: not a function\n\s+at /);
  });
});

describe('the real worker failing', () => {
  const scenario = parseScenario(SMALL_SCENARIO, 'small.yaml');

  it('an unreachable target: TargetUnreachableError', async () => {
    const target = `mqtt://127.0.0.1:${await closedPort()}`;
    const err = await fail({ scenario, options: { scenarioFile: 'small.yaml', target, shard } });
    expect(err).toBeInstanceOf(TargetUnreachableError);
    expect((err as TargetUnreachableError).exitCode).toBe(4);
    expect((err as Error).message).toContain(`Cannot reach the MQTT target ${target}`);
  });

  it('transport tuning that cannot work with auth: UsageError', async () => {
    const err = await fail({
      scenario,
      options: {
        scenarioFile: 'small.yaml',
        target: 'mqtt://127.0.0.1:1',
        auth: { mode: 'device', secret: 's' },
        transportFlags: { sharedConnections: 2 },
        shard,
      },
    });
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^Shared MQTT connections carry many devices/);
  });

  it('a quota the shrunk fleet cannot meet: ScenarioError', async () => {
    const s = parseScenario(
      `${SMALL_SCENARIO}quotas:\n  - { cohort: android, app: com.acme.vpn, count: 50, end: { status: failed } }\n`,
      'quota.yaml',
    );
    const err = await fail({
      scenario: s,
      positions: positionsOf(s),
      options: { scenarioFile: 'quota.yaml', devices: 20, shard },
    });
    expect(err).toBeInstanceOf(ScenarioError);
    // the loader's positions travel with the job: the worker's error still names file:line
    const line = SMALL_SCENARIO.split('\n').length + 1;
    expect((err as Error).message).toContain(
      `quota.yaml:${line}: quotas[0].count: a quota of 50 devices cannot be met`,
    );
  });

  it('a malformed job (a bug): InternalError with the stack from the worker', async () => {
    const err = await fail({ scenario: null as never, options: { scenarioFile: 'none.yaml', shard } });
    expect(err).toBeInstanceOf(InternalError);
    expect((err as Error).message).toMatch(/^worker 1\/1 failed: TypeError: /);
  });

  it('a worker that dies before its result: WorkerError', async () => {
    const target = `mqtt://127.0.0.1:${await closedPort()}`;
    const w = runWorker({ scenario, options: { scenarioFile: 'small.yaml', target, shard } }, noTicks);
    w.child.kill('SIGKILL');
    const err = await w.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkerError);
    expect((err as Error).message).toMatch(/^worker 1\/1 exited \(SIGKILL\) before sending its result/);
  });
});
