/**
 * Live progress while a run goes, on stderr so stdout stays the summary. On a terminal a panel
 * redrawn in place by log-update (which erases exactly what it drew, wrapped rows included), each
 * line cut to the terminal's width so nothing wraps at 80 columns; elsewhere (CI logs) one plain
 * line every few seconds. Progress is counted in events and installations, not only in finished
 * devices (a check-in storm finishes none for a while); the time left is shown only once a fifth
 * of the installations is done, when the pace says something. Formatting is pure (`progressLines`).
 */
import { systemClock } from '../core/clock.js';
import { createLogUpdate } from 'log-update';
import type { LiveState } from '../run/run-scenario.js';

export interface ProgressOptions {
  quiet: boolean;
  /** Draw the redrawn panel; default: the stream is a TTY. */
  tty?: boolean;
  /** Plain mode: least ms between lines. @default 5000 */
  plainEveryMs?: number;
  scenario?: string;
  now?: () => number;
  /** Terminal width; default: the stream's columns, else 80. */
  columns?: number;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function bar(fraction: number, width = 20): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

/** A line no wider than `columns` (one character spare: some terminals wrap on the last column). */
export function fitWidth(line: string, columns: number): string {
  const room = Math.max(10, columns - 1);
  return line.length <= room ? line : `${line.slice(0, room - 1)}…`;
}

/** The figures people watch: installations and events, devices, the window, connections, errors. */
export function progressLines(s: LiveState, rate: number, scenario = ''): string[] {
  const f = s.installsTotal ? s.installsDone / s.installsTotal : 0;
  // Installations finish late in a lifecycle: before a fifth is done the pace says nothing.
  const remaining = f >= 1 ? '  remaining 0s' : f >= 0.2 ? `  remaining ~${clock((s.elapsedMs * (1 - f)) / f)}` : '';
  const p99 = s.p99Ms ? `${s.p99Ms} ms` : '-';
  const window = s.window ? `/${fmt(s.window)}` : '';
  return [
    `${scenario ? `${scenario} ` : ''}${bar(f)} ${Math.floor(f * 100)}% installs  elapsed ${clock(s.elapsedMs)}${remaining}  simulated +${clock(s.simElapsedMs)}`,
    `installs ${fmt(s.installsDone)}/${fmt(s.installsTotal)} done  devices online ${fmt(s.devicesOnline)}${s.devicesDown ? `  OFFLINE ${fmt(s.devicesDown)} for ${clock(s.downForMs ?? 0)}` : ''}  done ${fmt(s.devicesDone)}/${fmt(s.devicesTotal)}`,
    `events sent ${fmt(s.sent)}  acked ${fmt(s.acked)}  ${fmt(rate)} ev/s  p99 ${p99}  errors ${fmt(s.failed)}`,
    `in flight ${fmt(s.inFlight ?? 0)}${window} (window)  connections ${fmt(s.connections)}`,
    ...(s.lastError ? [`last error: ${s.lastError}`] : []),
  ];
}

export function createProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  opts: ProgressOptions,
) {
  const now = opts.now ?? (() => systemClock.now());
  const tty = opts.tty ?? Boolean(stream.isTTY);
  const every = opts.plainEveryMs ?? 5_000;
  const draw = tty && !opts.quiet ? createLogUpdate(stream, { showCursor: true }) : undefined;
  let lastPlain = now();
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
      if (draw) {
        const columns = opts.columns ?? stream.columns ?? 80;
        draw(lines.map((l) => fitWidth(l, columns)).join('\n'));
      } else if (t - lastPlain >= every) {
        lastPlain = t;
        stream.write(`[${clock(s.elapsedMs)}] ${lines[2]} | ${lines[1]} | ${lines[3]}\n`);
      }
    },
    /** Takes the panel away (the summary follows in its place). */
    end(): void {
      draw?.clear();
    },
  };
}
