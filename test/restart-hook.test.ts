/**
 * The restart hook for an external target: the user's command through the shell, with a time
 * limit; success, a failing exit (with the end of its stderr) and a timeout (the command and what
 * it started killed) are told apart, each in one sentence the report can show.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { runRestartHook } from '../run/restart-hook.js';

describe('the restart hook', () => {
  it('reports a command that succeeded', async () => {
    const o = await runRestartHook('true', 10_000, systemClock);
    expect(o).toMatchObject({ exitCode: 0, timedOut: false, error: undefined });
  });

  it('reports a failing command with its exit code and the last line of its stderr', async () => {
    const o = await runRestartHook('echo "unit ingest.service not found" >&2; exit 5', 10_000, systemClock);
    expect(o).toMatchObject({ exitCode: 5, timedOut: false });
    expect(o.error).toBe(
      'the restart hook "echo "unit ingest.service not found" >&2; exit 5" exited with 5: unit ingest.service not found',
    );
  });

  it('kills a command that runs past its time limit, with what it started', async () => {
    const o = await runRestartHook('sleep 30 & sleep 30; echo never', 300, systemClock);
    expect(o).toMatchObject({ exitCode: undefined, timedOut: true });
    expect(o.error).toBe('the restart hook "sleep 30 & sleep 30; echo never" ran longer than 300 ms and was killed');
  });
});
