/**
 * Live progress while a run goes, on stderr so stdout stays the summary. On a TTY a three-line
 * panel redrawn every tick (a few times a second); elsewhere (CI logs) one plain line every few
 * seconds. Formatting is pure (`progressLines`); time comes in through `now`.
 */
import type { LiveState } from '../run/run-scenario.js';

export interface ProgressOptions {
  quiet: boolean;
  /** Draw the redrawn panel; default: the stream is a TTY. */
  tty?: boolean;
  /** Plain mode: least ms between lines. @default 5000 */
  plainEveryMs?: number;
  scenario?: string;
  now?: () => number;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function bar(fraction: number, width = 24): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

/** The figures people watch: devices online and done, events/s, p99, errors, elapsed, remaining. */
export function progressLines(s: LiveState, rate: number, scenario = ''): string[] {
  const f = s.installsTotal ? s.installsDone / s.installsTotal : 0;
  const remaining = f > 0.01 && f < 1 ? `~${clock((s.elapsedMs * (1 - f)) / f)}` : f >= 1 ? '0s' : '?';
  const p99 = s.p99Ms ? `${s.p99Ms} ms` : '-';
  return [
    `${scenario ? `${scenario} ` : ''}${bar(f)} ${Math.floor(f * 100)}%  elapsed ${clock(s.elapsedMs)}  remaining ${remaining}  simulated +${clock(s.simElapsedMs)}`,
    `devices online ${fmt(s.devicesOnline)}  done ${fmt(s.devicesDone)}/${fmt(s.devicesTotal)}  connections ${fmt(s.connections)}`,
    `events sent ${fmt(s.sent)}  acked ${fmt(s.acked)}  ${fmt(rate)} ev/s  p99 ${p99}  errors ${fmt(s.failed)}${s.lastError ? ` (last: ${s.lastError.slice(0, 80)})` : ''}`,
  ];
}

export function createProgress(stream: NodeJS.WritableStream & { isTTY?: boolean }, opts: ProgressOptions) {
  const now = opts.now ?? Date.now;
  const tty = opts.tty ?? Boolean(stream.isTTY);
  const every = opts.plainEveryMs ?? 5_000;
  let lastPlain = now();
  let drawn = 0;
  // events/s over the last second or so: a reading is kept until it is a second old
  let mark = { at: now(), acked: 0 };
  let rate = 0;
  return {
    tick(s: LiveState): void {
      if (opts.quiet) return;
      const t = now();
      if (t - mark.at >= 1000) {
        rate = ((s.acked - mark.acked) / (t - mark.at)) * 1000;
        mark = { at: t, acked: s.acked };
      }
      const lines = progressLines(s, rate, opts.scenario);
      if (tty) {
        const up = drawn ? `\x1b[${drawn}A` : '';
        stream.write(`${up}${lines.map((l) => `\r\x1b[2K${l}`).join('\n')}\n`);
        drawn = lines.length;
      } else if (t - lastPlain >= every) {
        lastPlain = t;
        stream.write(
          `[${clock(s.elapsedMs)}] ${lines[2]} | ${lines[1]} | ${Math.floor((s.installsTotal ? s.installsDone / s.installsTotal : 0) * 100)}% done\n`,
        );
      }
    },
    end(): void {
      if (tty && drawn && !opts.quiet) {
        stream.write(`\x1b[${drawn}A${'\r\x1b[2K\n'.repeat(drawn)}\x1b[${drawn}A`);
        drawn = 0;
      }
    },
  };
}
