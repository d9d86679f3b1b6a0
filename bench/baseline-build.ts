/**
 * The simulator as it was before the device agent, for bench/devices.ts to run beside today's:
 * commit BASELINE is extracted from this checkout's git history into a temp dir (git archive),
 * given this checkout's node_modules, and compiled with this checkout's TypeScript. Built once
 * per machine and kept (the dir is named after the commit). Nothing outside bench/ reaches it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** main just before the device agent landed: one heap entry per installation, a check-in per app. */
export const BASELINE = 'cc9e624b70c6892b2b98469e448bf18887b505b0';

/** The baseline's dist/ dir, built if needed; undefined (with a note) when it cannot be. */
export function baselineDist(): string | undefined {
  const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
  const dir = join(tmpdir(), `fleetsim-baseline-${BASELINE.slice(0, 12)}`);
  const dist = join(dir, 'dist');
  if (existsSync(join(dist, 'agent', 'sim', 'simulator.js'))) return dist;
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const archive = execFileSync('git', ['-C', root, 'archive', '--format=tar', BASELINE], {
      maxBuffer: 256 * 1024 * 1024,
    });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    return dist;
  } catch (err) {
    process.stderr.write(
      `devices bench: no baseline (${(err as Error).message.split('\n')[0]}); measuring today's simulator alone\n`,
    );
    return undefined;
  }
}
