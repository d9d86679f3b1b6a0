#!/usr/bin/env node
// The CLI runs from the compiled output (npm ci builds it through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('fleetsim: dist/ is missing; run "npm ci" (or "npm run build") in the fleetsim folder first.\n');
  process.exit(3);
}
const { cliEntry } = await import(entry.href);
await cliEntry();
