#!/usr/bin/env node
// `npm run bench`: every benchmark, one after the other, each bounded in time; one JSON line each.
// Not part of `npm test`. BENCHMARKS.md records the figures, the commands and the date.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = (f) => fileURLToPath(new URL(`../dist/bench/${f}`, import.meta.url));
if (!existsSync(dist('devices.js'))) {
  process.stderr.write('bench: dist/ is missing; run "npm run build" first.\n');
  process.exit(3);
}
const only = process.argv.slice(2);
const benches = [
  ['devices', ['--expose-gc', '--max-old-space-size=8192', dist('devices.js'), '--devices', '1000000']],
  ['http-ratio', [dist('http-ratio.js')]],
  ['mqtt-ratio', [dist('mqtt-ratio.js'), '--devices', '20000']],
  ['connections', ['--expose-gc', dist('connections.js'), '--devices', '10000']],
  ['endpoint', [dist('endpoint.js'), '--seconds', '5']],
  ['metrics-overhead', [dist('metrics-overhead.js'), '--pairs', '3']],
  ['wire-encoding', [dist('wire-encoding.js')]],
];
let failed = 0;
for (const [name, args] of benches) {
  if (only.length && !only.includes(name)) continue;
  process.stderr.write(`\n== ${name}\n`);
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', timeout: 15 * 60_000 });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
