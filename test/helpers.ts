/** Shared test helpers: small scenarios written to temp files, the built CLI as a child process. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..');

export function tempDir(prefix = 'fleetsim-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeTemp(name: string, text: string): string {
  const file = join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

/** Runs the compiled CLI (npm test builds first) and returns its exit code and output. */
export function cli(args: string[], opts: { cwd?: string } = {}) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'fleetsim.js'), ...args], {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same without blocking this process, for runs against a server the test itself serves. */
export function cliAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'fleetsim.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

export const SMALL_SCENARIO = `
name: small
seed: 7
apps:
  - id: com.acme.mail
    version: 1.0.0
    ios: { kind: vpp }
  - id: com.acme.vpn
    platforms: [ios, android, windows]
    ios: { kind: free }
cohorts:
  - { name: ios, platform: ios, count: 60, supervised: 0.5 }
  - { name: android, platform: android, count: 60 }
  - { name: windows, platform: windows, count: 40 }
  - { name: dme, platform: dme, count: 40, method: 0.5 }
`;

/** The program's TypeScript sources (no tests, benches or build output), relative to the root. */
export function sourceFiles(root: string, dir = ''): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory())
      return ['node_modules', 'dist', 'test', 'bench', 'examples', '.git'].includes(e.name)
        ? []
        : sourceFiles(root, rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}
