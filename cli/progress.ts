/**
 * Live progress while a run goes: on a TTY one line redrawn twice a second, elsewhere (CI) a
 * plain line every few seconds. Written to stderr so stdout stays the summary.
 */
import type { Simulator } from '../agent/sim.js';

export interface ProgressState {
  sim: Simulator;
  sent: number;
  acked: number;
  failed: number;
  connections: number;
}

export function createProgress(stream: NodeJS.WriteStream, opts: { quiet: boolean; totalEvents?: number }) {
  const start = Date.now();
  let lastPlain = 0;
  let lastAcked = 0;
  let lastAt = start;
  const tty = Boolean(stream.isTTY);
  return {
    tick(s: ProgressState): void {
      if (opts.quiet) return;
      const now = Date.now();
      const rate = ((s.acked - lastAcked) / Math.max(1, now - lastAt)) * 1000;
      lastAcked = s.acked;
      lastAt = now;
      const line = `[${((now - start) / 1000).toFixed(1)}s] sent ${s.sent} acked ${s.acked} failed ${s.failed} | ${Math.round(rate)} ev/s | connections ${s.connections} | pending ${s.sim.remaining}`;
      if (tty) stream.write(`\r\x1b[2K${line}`);
      else if (now - lastPlain >= 5_000) {
        lastPlain = now;
        stream.write(line + '\n');
      }
    },
    end(): void {
      if (tty && !opts.quiet) stream.write('\r\x1b[2K');
    },
  };
}
