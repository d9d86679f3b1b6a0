/**
 * The image deploy/Dockerfile builds, made without a container runtime: the build context as
 * .dockerignore leaves it, the build stage's compile in it, and the runtime stage's files alone
 * (package.json, production dependencies only, dist/, bin/, scenarios/) running fleetsim from
 * another directory, as `docker run fleetsim run scenarios/quickstart.yaml` does in /work. This
 * catches a file the build or the CLI needs that the context leaves out, and a runtime import of a
 * development dependency. The base image (node:20-slim) and the layers themselves are not built.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.js';

const dirs: string[] = [];
const fresh = () => {
  const d = tempDir('fleetsim-image-');
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** .dockerignore's patterns as tests of a top-level name (the file holds only such patterns). */
function ignoredBy(text: string): (name: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const p of patterns) expect(p, 'a pattern this test reads: a top-level name or a * glob').toMatch(/^[\w.*-]+$/);
  const res = patterns.map((p) => new RegExp(`^${p.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`));
  return (name) => res.some((re) => re.test(name));
}

function stepsOf(dockerfile: string): { from: string; lines: string[] }[] {
  const stages: { from: string; lines: string[] }[] = [];
  for (const line of dockerfile.replace(/\\\n\s*/g, ' ').split('\n')) {
    if (/^FROM /.test(line)) stages.push({ from: line, lines: [] });
    else if (/^[A-Z]+ /.test(line)) stages.at(-1)?.lines.push(line);
  }
  return stages;
}

describe('the image deploy/Dockerfile describes, built as files', () => {
  it('compiles from its context and runs a reconciled quick start from the runtime files alone', () => {
    const dockerfile = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
    const [build, runtime] = stepsOf(dockerfile);
    expect(build?.lines).toContain('RUN npm run build && npm prune --omit=dev --no-audit --no-fund');
    const taken = runtime!.lines
      .filter((l) => l.startsWith('COPY --from=build /src/'))
      .map((l) => l.split(' ')[2]!.replace('/src/', ''));
    expect(taken).toEqual(['package.json', 'node_modules', 'dist', 'bin', 'scenarios']);

    // the context: the repository less what .dockerignore keeps out
    const ignored = ignoredBy(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
    const context = fresh();
    for (const name of readdirSync(ROOT))
      if (!ignored(name)) cpSync(join(ROOT, name), join(context, name), { recursive: true });
    expect(existsSync(join(context, 'test'))).toBe(false);

    // build stage: its compile (the dependencies are this checkout's, not a fresh npm ci)
    symlinkSync(join(ROOT, 'node_modules'), join(context, 'node_modules'));
    const tsc = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: context,
        encoding: 'utf8',
      },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);

    // runtime stage: what it copies, with production dependencies only (npm prune --omit=dev)
    const opt = fresh();
    for (const f of taken.filter((f) => f !== 'node_modules'))
      cpSync(join(context, f), join(opt, f), { recursive: true });
    cpSync(join(context, 'package-lock.json'), join(opt, 'package-lock.json'));
    const npm = spawnSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], {
      cwd: opt,
      encoding: 'utf8',
    });
    expect(npm.status, npm.stderr).toBe(0);
    rmSync(join(opt, 'package-lock.json'));
    for (const dev of ['vitest', 'typescript', 'playwright-core', '@biomejs/biome'])
      expect(existsSync(join(opt, 'node_modules', dev)), dev).toBe(false);

    // WORKDIR /work, ENTRYPOINT fleetsim: a run from another directory
    const work = fresh();
    mkdirSync(join(work, 'out'));
    const fleetsim = (args: string[]) =>
      spawnSync(process.execPath, [join(opt, 'bin', 'fleetsim.js'), ...args], {
        cwd: work,
        encoding: 'utf8',
        env: { ...process.env, NODE_ENV: 'production' },
      });
    const run = fleetsim([
      'run',
      join(opt, 'scenarios', 'quickstart.yaml'),
      '--devices',
      '40',
      '--workers',
      '1',
      '--quiet',
      '--out',
      'out/qs',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(work, 'out', 'qs', 'report.json'), 'utf8'));
    expect(report.reconciliation.match).toBe(true);
    for (const f of ['report.html', 'junit.xml', 'summary.md'])
      expect(existsSync(join(work, 'out', 'qs', f)), f).toBe(true);
    // and the commands that read files of the package: init (the schema path), validate, schema
    expect(fleetsim(['init', 'mine.yaml']).status).toBe(0);
    expect(fleetsim(['validate', 'mine.yaml']).status).toBe(0);
    expect(fleetsim(['schema']).stdout).toContain('"$schema"');
  }, 900_000); // a compile and an npm ci on a shared machine: no limit that means anything
});
