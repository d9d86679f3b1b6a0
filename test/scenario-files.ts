/** Small scenario files for tests that run the real thing (a few dozen devices, seconds at most). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tinyScenario(
  extra: string[] = [],
  opts: { devices?: number; arrival?: string; timeScale?: string } = {},
): string {
  return [
    'name: tiny',
    'seed: 5',
    `timeScale: ${opts.timeScale ?? 'asap'}`,
    'apps:',
    '  - id: com.acme.mail',
    '    platforms: [ios, android]',
    'cohorts:',
    `  - { name: phones, platform: android, count: ${opts.devices ?? 30}${opts.arrival ? `, arrival: ${opts.arrival}` : ''} }`,
    '  - { name: ipads, platform: ios, count: 10 }',
    ...extra,
    '',
  ].join('\n');
}

export function tempDir(): { dir: string; write(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-test-'));
  return {
    dir,
    write(name, text) {
      const f = join(dir, name);
      writeFileSync(f, text);
      return f;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
