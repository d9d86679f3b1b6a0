/**
 * A program from the system (Debian's chromium, tmux) that some tests drive. `npm test` on a
 * machine without it skips those tests and says why on stderr and in their titles; in CI
 * (CI set, as .ci/run runs) a missing program is a failure, so a green CI never hides it.
 * FLEETSIM_TEST_<NAME> points at another copy (another distribution's chromium-browser).
 */
import { existsSync } from 'node:fs';

export interface SystemTool {
  /** The program to run; undefined when none was found. */
  path: string | undefined;
  /** True when the tests that need it are skipped (missing, and not in CI). */
  skip: boolean;
  /** The test's title, with the reason when skipped. */
  title(name: string): string;
  /** The path, or an error that says what is missing and what installs it (CI). */
  require(): string;
}

export function systemTool(name: string, candidates: string[], debianPackage: string): SystemTool {
  const envName = `FLEETSIM_TEST_${name.toUpperCase()}`;
  const chosen = process.env[envName];
  const path = (chosen ? [chosen] : candidates).find((p) => existsSync(p));
  const where = chosen ? `${envName}=${chosen}` : candidates.join(' or ');
  const reason = `${name} not found (${where}); apt-get install ${debianPackage} (.ci/run does) or set ${envName}`;
  const skip = path === undefined && !process.env.CI;
  if (skip) process.stderr.write(`SKIPPED: tests that need ${name}: ${reason}\n`);
  return {
    path,
    skip,
    title: (t) => (skip ? `${t} (SKIPPED: ${reason})` : t),
    require() {
      if (path === undefined) throw new Error(`${reason}; in CI this is a failure, not a skip`);
      return path;
    },
  };
}

export const chromiumTool = () =>
  systemTool('chromium', ['/usr/bin/chromium', '/usr/bin/chromium-browser'], 'chromium');
export const tmuxTool = () => systemTool('tmux', ['/usr/bin/tmux'], 'tmux');
