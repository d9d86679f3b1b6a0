/**
 * A tally source checked before any event is sent (endpoint-client/tally-source.ts `check`): a
 * query that does not run or returns the wrong columns, a URL that does not answer or an answer
 * the mapping cannot read would otherwise be found only after the whole run. A source that
 * answered wrongly is a description error with file:line (exit 3); one that did not answer is
 * unreachable (exit 4); either way nothing was sent. Secrets pass through the target's redaction.
 */
import type { ReadContext, SourceProblem, TallySource } from '../endpoint-client/tally-source.js';
import { TallySourceError, TargetConfigError } from '../protocol/errors.js';
import { targetConfigError } from '../transport/wire/problems.js';
import type { RunTarget } from './run-target.js';
import { redact } from './target-shown.js';

const NOTHING_SENT = 'nothing was sent';

export async function refuseSourceProblems(rt: RunTarget, source: TallySource, ctx: ReadContext): Promise<void> {
  const problems = (await source.check?.(ctx)) ?? [];
  if (!problems.length) return;
  const base = [...(rt.loaded?.basePath ?? []), 'tallies'];
  const down = problems.find((p) => p.unreachable);
  if (down) {
    const line = rt.loaded?.source.lineOf([...base, ...down.field]);
    const where = rt.loaded ? `${rt.loaded.source.file}${line ? `:${line}` : ''}: ` : '';
    throw new TallySourceError(
      redact(
        `The tally source did not answer when it was checked before the run, so ${NOTHING_SENT}: ${where}${fieldOf(down)}: ${down.message}`,
        rt.secrets,
      ),
    );
  }
  const e = targetConfigError(
    problems.map((p) => ({
      path: [...base, ...p.field],
      message: `${p.message} (checked before the run: ${NOTHING_SENT})`,
    })),
    rt.loaded?.source,
    'tally source',
  );
  throw new TargetConfigError(redact(e.message, rt.secrets), e.file, e.line);
}

const fieldOf = (p: SourceProblem) => ['tallies', ...p.field].join('.');
