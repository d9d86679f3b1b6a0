/**
 * The verdict line every rendering opens with. A run a signal stopped is not "PASSED": what
 * was sent before the stop may have reconciled, but the scenario did not run to its end (the
 * process exits 130 or 143).
 */
import type { RunResult } from '../result/result.js';

export type VerdictTone = 'ok' | 'bad';

export interface VerdictLine {
  tone: VerdictTone;
  /** e.g. "PASSED", "STOPPED by SIGINT", "FAILED"; the renderer adds its own detail for a failure. */
  word: string;
  /** What qualifies the word, or undefined: "tallies NOT reconciled", "what was sent reconciled". */
  note: string | undefined;
  noteTone: VerdictTone;
}

export function verdictLine(r: RunResult): VerdictLine {
  if (!r.passed) return { tone: 'bad', word: 'FAILED', note: undefined, noteTone: 'bad' };
  if (r.aborted?.by === 'signal') {
    const signal = /SIG[A-Z]+/.exec(r.aborted.reason)?.[0] ?? 'a signal';
    return {
      tone: 'bad',
      word: `STOPPED by ${signal}`,
      note: r.reconciliation.checked ? 'what was sent reconciled' : 'tallies NOT reconciled',
      noteTone: r.reconciliation.checked ? 'ok' : 'bad',
    };
  }
  return {
    tone: 'ok',
    word: 'PASSED',
    note: r.reconciliation.checked ? undefined : 'tallies NOT reconciled',
    noteTone: 'bad',
  };
}
