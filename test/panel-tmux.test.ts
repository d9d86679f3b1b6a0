/**
 * The progress panel in a real terminal: fleetsim run inside tmux at 80 columns, the screen read
 * with capture-pane while it runs. Every line fits, the panel is drawn once (not stacked or
 * garbled as "0svices online" was when a wrapped line broke the cursor arithmetic), it counts
 * events and installations and shows the in-flight window, and it is gone when the summary comes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir, writeTemp } from './helpers.js';
import { tmuxTool } from './helpers/system-tool.js';
import { tinyScenario } from './scenario-files.js';

const TMUX = tmuxTool();
const SOCKET = `fleetsim-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync(TMUX.require(), ['-L', SOCKET, ...args], { encoding: 'utf8' });
/** The screens are kept for people to look at, as the browser tests keep their screenshots. */
const KEPT = join(ROOT, 'test-output');

afterAll(() => {
  if (TMUX.path) spawnSync(TMUX.path, ['-L', SOCKET, 'kill-server']);
});

const PANEL = [
  /^tiny \[[#.]{20}\] \d+% installs/,
  /^installs [\d,]+\/[\d,]+ done/,
  /^events sent [\d,]+/,
  /^in flight [\d,]+/,
];

describe.skipIf(TMUX.skip)('progress panel at 80 columns (tmux)', () => {
  it(TMUX.title('fits the width, is drawn once in place, and makes way for the summary'), async () => {
    const dir = tempDir();
    const file = writeTemp('slow.yaml', tinyScenario([], { devices: 60, timeScale: '300000' }));
    const cmd = `${process.execPath} ${join(ROOT, 'bin', 'fleetsim.js')} run ${file} --workers 1 --out ${join(dir, 'run')}; echo FLEETSIM-EXIT-$?; sleep 30`;
    tmux('new-session', '-d', '-s', 'panel', '-x', '80', '-y', '40', cmd);
    const screens: string[][] = [];
    let done = false;
    for (let i = 0; i < 600 && !done; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const lines = tmux('capture-pane', '-p', '-t', 'panel').split('\n');
      if (lines.some((l) => PANEL[0]!.test(l))) screens.push(lines);
      done = lines.some((l) => l.startsWith('FLEETSIM-EXIT-'));
    }
    const final = tmux('capture-pane', '-p', '-t', 'panel').split('\n');
    mkdirSync(KEPT, { recursive: true });
    const middle = screens[Math.floor(screens.length / 2)] ?? [];
    writeFileSync(
      join(KEPT, 'panel-80-columns.txt'),
      `while it runs (tmux, 80 columns):\n${middle.join('\n').trimEnd()}\n\nat the end:\n${final.join('\n').trimEnd()}\n`,
    );
    expect(final.some((l) => l === 'FLEETSIM-EXIT-0')).toBe(true);
    expect(screens.length).toBeGreaterThan(3);
    for (const screen of screens) {
      for (const l of screen) expect(l.length, l).toBeLessThanOrEqual(80);
      const panel = screen.filter((l) => l.trim() !== '');
      // drawn once: one header, and the four lines in order right below it
      expect(
        panel.filter((l) => PANEL[0]!.test(l)),
        panel.join('\n'),
      ).toHaveLength(1);
      const at = panel.findIndex((l) => PANEL[0]!.test(l));
      for (const [k, re] of PANEL.entries()) expect(panel[at + k], panel.join('\n')).toMatch(re);
    }
    // events counted while installations are still running, and the window is shown
    expect(screens.some((s) => s.some((l) => /^events sent [1-9]/.test(l)))).toBe(true);
    expect(screens.some((s) => s.some((l) => /^in flight \d+\/[\d,]+ \(window\)/.test(l)))).toBe(true);
    // the summary took the panel's place
    expect(final.some((l) => PANEL[0]!.test(l))).toBe(false);
    expect(final.join('\n')).toContain('report:');
  });
});
