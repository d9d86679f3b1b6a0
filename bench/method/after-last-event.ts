/**
 * What the endpoint's owner spends after the last event of a run: the reads for reconcile
 * (tallies, every device's row), end-to-end latency, shutdown. Once a second it reads the owner's
 * event count (GET /v1/stats: accepted + duplicates + stale) and its CPU; the window starts at the
 * first sample that already holds the run's final count and ends when the run exits. The sample's
 * own GET is part of what is measured (one small read a second). With `run --workers`, a worker
 * reads its own devices' rows as soon as its shard is done, while others still send: those reads
 * fall before the window, so the owner's CPU over the whole run is given too.
 */
import { request } from 'undici';
import { pidCpuSplitUs } from './cpu.js';

interface Sample {
  atMs: number;
  events: number;
  cpuUs: number;
}

export interface AfterLastEvent {
  /** Wall seconds from the first sample holding the final count to the run's exit. */
  readSeconds: number;
  /** The owner's CPU (user + kernel) over that window, seconds. */
  readOwnerCpuSeconds: number;
  /** The owner's CPU from start() to stop(), seconds: ingest, connections handed over, every read. */
  ownerCpuSeconds: number;
}

export class OwnerAfterLastEvent {
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private startCpuUs = 0;

  constructor(
    private readonly httpBase: string,
    private readonly ownerPid: number,
  ) {}

  start(): this {
    const cpu = pidCpuSplitUs(this.ownerPid);
    this.startCpuUs = cpu.user + cpu.system;
    this.timer = setInterval(() => void this.sample(), 1_000);
    return this;
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const res = await request(`${this.httpBase}/v1/stats`, { headersTimeout: 60_000, bodyTimeout: 60_000 });
      const s = (await res.body.json()) as { accepted: number; duplicates: number; stale: number };
      const cpu = pidCpuSplitUs(this.ownerPid);
      this.samples.push({
        atMs: performance.now(),
        events: s.accepted + s.duplicates + s.stale,
        cpuUs: cpu.user + cpu.system,
      });
    } catch {
      // the owner is busy or gone: the next sample reads it
    } finally {
      this.busy = false;
    }
  }

  /** Call when the run has exited (the owner still up). */
  stop(): AfterLastEvent | Record<string, never> {
    if (this.timer) clearInterval(this.timer);
    const last = this.samples[this.samples.length - 1];
    if (!last) return {};
    const first = this.samples.find((s) => s.events === last.events)!;
    const cpu = pidCpuSplitUs(this.ownerPid);
    return {
      readSeconds: Math.round(performance.now() - first.atMs) / 1000,
      readOwnerCpuSeconds: Math.round((cpu.user + cpu.system - first.cpuUs) / 1000) / 1000,
      ownerCpuSeconds: Math.round((cpu.user + cpu.system - this.startCpuUs) / 1000) / 1000,
    };
  }
}
