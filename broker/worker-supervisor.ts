/**
 * Keeps `serve --workers N` at N MQTT workers: a worker that exits while the endpoint is up is
 * logged (pid, exit code or signal) and forked again after a backoff (RESTART_MIN_MS doubling to
 * RESTART_MAX_MS while workers keep dying within STABLE_MS of starting; back to the minimum once
 * one stays up). /healthz reports every worker, and is 503 while any is not listening.
 */
import { systemClock, type TimerHandle } from '../core/clock.js';
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { ToOwner, ToWorker } from './ipc-ingestor.js';

export const RESTART_MIN_MS = 100;
export const RESTART_MAX_MS = 10_000;
export const STABLE_MS = 30_000;

/** The timers the supervisor needs (the shape of core's Clock). */
export interface SupervisorTimers {
  now(): number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

const systemTimers: SupervisorTimers = {
  now: () => systemClock.now(),
  setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms).unref(),
  clearTimeout: (h) => systemClock.clearTimeout(h as TimerHandle),
};

export interface WorkerHealth {
  worker: number;
  pid: number | undefined;
  up: boolean;
  restarts: number;
  lastExit?: { code: number | null; signal: string | null };
}

interface Slot {
  worker: Worker | undefined;
  up: boolean;
  upSince: number;
  restarts: number;
  failures: number;
  lastExit?: { code: number | null; signal: string | null };
  timer?: unknown;
  /** Its direct listener's port, kept for a worker forked again in its place (0 until it listens). */
  directPort: number;
}

export interface SupervisorOptions {
  count: number;
  /** The env of every fork: the shared port, fixed after the first worker listens, and this
   * worker's direct port (0 for a first fork, its predecessor's afterwards). */
  env: (port: number, directPort: number) => Record<string, string>;
  onMessage: (index: number, m: ToOwner, reply: (r: ToWorker) => void) => void;
  log: Logger;
  timers?: SupervisorTimers;
}

export class WorkerSupervisor {
  private readonly slots: Slot[];
  private stopping = false;
  private port = 0;
  private readonly timers: SupervisorTimers;

  constructor(private readonly o: SupervisorOptions) {
    this.timers = o.timers ?? systemTimers;
    this.slots = Array.from({ length: o.count }, () => ({
      worker: undefined,
      up: false,
      upSince: 0,
      restarts: 0,
      failures: 0,
      directPort: 0,
    }));
  }

  /**
   * Forks every worker on `port`; resolves once all listen. Every fork, the first and any later
   * one, asks for the same port number: node:cluster shares one handle per port number, so a
   * worker forked again after all had died still gets the port the devices know.
   */
  async start(port: number): Promise<number> {
    this.port = port;
    const ports = await Promise.all(this.slots.map((_, i) => this.fork(i, true)));
    return ports[0]!;
  }

  private fork(i: number, initial: boolean): Promise<number> {
    const slot = this.slots[i]!;
    return new Promise<number>((resolve, reject) => {
      const w = cluster.fork(this.o.env(this.port, slot.directPort));
      slot.worker = w;
      const reply = (r: ToWorker) => {
        // A worker that died with events in flight cannot be answered; its clients were never acknowledged.
        if (w.isConnected()) w.send(r, (err: Error | null) => err && undefined);
      };
      w.on('message', (m: ToOwner) => {
        if (m.t === 'listening') {
          slot.up = true;
          slot.directPort = m.directPort;
          slot.upSince = this.timers.now();
          resolve(m.port);
        }
        this.o.onMessage(i, m, reply);
      });
      w.on('error', () => undefined);
      w.once('exit', (code, signal) => {
        const wasUp = slot.up;
        slot.up = false;
        slot.worker = undefined;
        if (this.stopping) return;
        slot.lastExit = { code, signal };
        if (initial && !wasUp)
          return reject(new Error(`MQTT worker ${i + 1} exited (${code ?? signal}) before listening`));
        this.restart(i, w.process.pid, wasUp);
      });
    });
  }

  private restart(i: number, pid: number | undefined, wasUp: boolean): void {
    const slot = this.slots[i]!;
    const quick = !wasUp || this.timers.now() - slot.upSince < STABLE_MS;
    slot.failures = quick ? slot.failures + 1 : 1;
    const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** (slot.failures - 1));
    this.o.log.error(
      {
        worker: i + 1,
        pid,
        code: slot.lastExit?.code,
        signal: slot.lastExit?.signal,
        restartInMs: delay,
        restarts: slot.restarts,
      },
      `MQTT worker ${i + 1} exited; forking a new one in ${delay} ms`,
    );
    slot.timer = this.timers.setTimeout(() => {
      slot.timer = undefined;
      if (this.stopping) return;
      slot.restarts++;
      this.fork(i, false).then(
        () => this.o.log.info({ worker: i + 1, pid: slot.worker?.process.pid }, `MQTT worker ${i + 1} is back`),
        () => undefined,
      );
    }, delay);
  }

  /** Each worker's direct port, in worker order (0 for one that never listened). */
  directPorts(): number[] {
    return this.slots.map((s) => s.directPort);
  }

  health(): { ok: boolean; workers: WorkerHealth[] } {
    const workers = this.slots.map((s, i) => ({
      worker: i + 1,
      pid: s.worker?.process.pid,
      up: s.up,
      restarts: s.restarts,
      ...(s.lastExit ? { lastExit: s.lastExit } : {}),
    }));
    return { ok: workers.every((w) => w.up), workers };
  }

  /** Stops restarting and asks every worker to drain and exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const s of this.slots) if (s.timer !== undefined) this.timers.clearTimeout(s.timer);
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            const w = s.worker;
            if (!w || w.isDead()) return resolve();
            w.once('exit', () => resolve());
            if (w.isConnected()) w.send({ t: 'stop' } satisfies ToWorker);
            else w.kill('SIGTERM');
          }),
      ),
    );
  }
}
