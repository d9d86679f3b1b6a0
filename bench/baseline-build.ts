/**
 * The simulator as it was before the device agent, for bench/devices.ts to run beside today's:
 * commit BASELINE is extracted from this checkout's git history into a temp dir (git archive),
 * given this checkout's node_modules, and compiled with this checkout's TypeScript. Built once
 * per checkout and kept: the dir is named after the commit and the checkout, because its
 * node_modules is a link into the checkout that built it (a dir shared between worktrees broke
 * when the worktree that built it reinstalled or removed its node_modules: "cannot find package
 * 'yaml'"). A kept dir whose packages no longer resolve is rebuilt. Nothing outside bench/ reaches it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** main just before the device agent landed: one heap entry per installation, a check-in per app. */
export const BASELINE = 'cc9e624b70c6892b2b98469e448bf18887b505b0';

/** The baseline's dist/ dir, built if needed; undefined (with a note) when it cannot be. */
export function baselineDist(): string | undefined {
  const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
  const checkout = createHash('sha256').update(root).digest('hex').slice(0, 8);
  const dir = join(tmpdir(), `fleetsim-baseline-${BASELINE.slice(0, 12)}-${checkout}`);
  const dist = join(dir, 'dist');
  const resolves = ['yaml', 'zod'].every((p) => existsSync(join(dir, 'node_modules', p, 'package.json')));
  if (resolves && existsSync(join(dist, 'agent', 'sim', 'simulator.js'))) return dist;
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
