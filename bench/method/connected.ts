/**
 * Connections held by the endpoint, read from /v1/cluster (serve --workers) or /metrics every
 * 100 ms, and the connect rate from that series: connections made between 5% and 95% of the
 * target, over the time it took, so neither the first handshakes nor the last stragglers weigh.
 */
import { BenchError } from '../bench-error.js';
import { request } from 'undici';
import { selfCpuUs } from './cpu.js';

interface Point {
  atMs: number;
  connected: number;
  cpuUs: number;
}

export class ConnectedWatch {
  readonly points: Point[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(private readonly httpBase: string) {}

  start(): this {
    this.timer = setInterval(() => void this.poll(), 100);
    return this;
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      // `serve --workers`: the brokers are the workers, whose clients the owner sums at /v1/cluster
      // (its own /metrics gauge counts only its own, idle, broker).
      const cluster = await request(`${this.httpBase}/v1/cluster`);
      let connected: number;
      if (cluster.statusCode === 200) connected = ((await cluster.body.json()) as { mqttClients: number }).mqttClients;
      else {
        await cluster.body.dump();
        const text = await (await request(`${this.httpBase}/metrics`)).body.text();
        connected = Number(/^fleetsim_mqtt_connected_clients (\d+)/m.exec(text)?.[1] ?? 0);
      }
      this.points.push({ atMs: performance.now(), connected, cpuUs: selfCpuUs() });
    } catch {
      // the endpoint is busy; the next poll reads it
    } finally {
      this.busy = false;
    }
  }

  /** Resolves once `target` connections are held (or `giveUpMs` passed with no progress). */
  async until(target: number, giveUpMs = 60_000): Promise<void> {
    let last = -1;
    let lastChange = performance.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const now = this.points[this.points.length - 1]?.connected ?? 0;
      if (now >= target) return;
      if (now !== last) {
        last = now;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > giveUpMs) {
        throw new BenchError(`connections stuck at ${now} of ${target} for ${giveUpMs / 1000} s`);
      }
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  rate(target: number): { connectsPerSec: number; seconds: number; cpuUsPerConnect: number; peak: number } {
    const a = this.points.find((p) => p.connected >= target * 0.05);
    const b = this.points.find((p) => p.connected >= target * 0.95);
    const peak = Math.max(0, ...this.points.map((p) => p.connected));
    if (!a || !b || b.atMs <= a.atMs) return { connectsPerSec: 0, seconds: 0, cpuUsPerConnect: 0, peak };
    const made = b.connected - a.connected;
    const seconds = (b.atMs - a.atMs) / 1000;
    return {
      connectsPerSec: Math.round(made / seconds),
      seconds: Math.round(seconds * 100) / 100,
      cpuUsPerConnect: Math.round((b.cpuUs - a.cpuUs) / made),
      peak,
    };
  }
}
