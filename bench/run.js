#!/usr/bin/env node
// `npm run bench`: every benchmark, one after the other, each bounded in time. Each prints one JSON
// record (its last stdout line); they are kept in bench/results.json (a partial run replaces only
// the benchmarks it ran) and BENCHMARKS.md is rendered from that file by dist/bench/report.js.
// Not part of `npm test`.   npm run bench [-- name...]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const dist = (f) => fileURLToPath(new URL(`../dist/bench/${f}`, import.meta.url));
const resultsFile = fileURLToPath(new URL('./results.json', import.meta.url));
if (!existsSync(dist('report/render.js'))) {
  process.stderr.write('bench: dist/ is missing; run "npm run build" first.\n');
  process.exit(3);
}
const only = process.argv.slice(2);
const benches = [
  ['devices', ['--expose-gc', '--max-old-space-size=8192', dist('devices.js'), '--devices', '1000000']],
  ['devices-parallel', [dist('devices-parallel.js'), '--devices', '1000000']],
  ['mqtt-ratio', [dist('mqtt-ratio.js')]],
  ['mqtt-profile', [dist('mqtt-profile.js')]],
  ['http-ratio', [dist('http-ratio.js')]],
  ['connect-rate', [dist('connect-rate.js')]],
  ['connections', ['--expose-gc', dist('connections.js'), '--devices', '18000', '--rounds', '3']],
  ['https-connections', [dist('https-connections.js'), '--devices', '4000']],
  ['endpoint', [dist('endpoint.js'), '--seconds', '5']],
  ['owner-ingest', [dist('owner-ingest.js')]],
  ['metrics-overhead', [dist('metrics-overhead.js'), '--pairs', '3']],
  ['wire-encoding', [dist('wire-encoding.js')]],
  ['scale', [dist('scale.js')]],
];
const unknown = only.filter((n) => !benches.some(([b]) => b === n));
if (unknown.length) {
  process.stderr.write(
    `bench: no benchmark named ${unknown.join(', ')}; known: ${benches.map(([b]) => b).join(', ')}\n`,
  );
  process.exit(2);
}

function runOne(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
      process.stdout.write(b);
    });
    // Every benchmark bounds itself; this is the backstop (scale bounds each of its passes at 15 minutes).
    const backstop = setTimeout(() => child.kill('SIGTERM'), (args.includes(dist('scale.js')) ? 60 : 20) * 60_000);
    child.once('exit', (code) => {
      clearTimeout(backstop);
      const last = out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .pop();
      resolve(code === 0 && last ? JSON.parse(last) : undefined);
    });
  });
}

/** A benchmark that prints a bare JSON line gets the record's frame around it (when, on what, load). */
function asRecord(name, line, load0) {
  if (line.machine && line.summary) return line;
  const c = cpus();
  return {
    bench: name,
    at: new Date().toISOString(),
    machine: {
      cpuModel: c[0]?.model.trim() ?? 'unknown',
      cores: c.length,
      mhz: c[0]?.speed ?? 0,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      kernel: release(),
      node: process.version,
      v8: process.versions.v8,
      runnable: 0,
    },
    load: [load0, Math.round(loadavg()[0] * 100) / 100],
    config: {},
    passes: [],
    summary: line,
  };
}

const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {};
let failed = 0;
for (const [name, args] of benches) {
  if (only.length && !only.includes(name)) continue;
  if (!existsSync(args.find((a) => a.endsWith('.js')))) continue;
  process.stderr.write(`\n== ${name}\n`);
  const load0 = Math.round(loadavg()[0] * 100) / 100;
  const line = await runOne(args);
  const rec = line && asRecord(name, line, load0);
  if (!rec) {
    failed++;
    process.stderr.write(`bench ${name} failed; its previous figures stay in bench/results.json\n`);
    continue;
  }
  results[name] = rec;
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 1)}\n`);
}
const { renderBenchmarks } = await import(dist('report/render.js'));
writeFileSync(fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url)), renderBenchmarks(results));
process.stderr.write('\nbench/results.json and BENCHMARKS.md written\n');
process.exit(failed ? 1 : 0);
