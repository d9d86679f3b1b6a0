/**
 * BENCHMARKS.md from bench/results.json and nothing else: the goals table first, then one section
 * per benchmark. `npm run bench` calls this after it ran; `node dist/bench/report/render.js`
 * renders again without running anything.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchRecord } from '../method/output.js';
import { machineLine } from './format.js';
import { goalsTable } from './goals.js';
import { HOW } from './how.js';
import { otherSections } from './others.js';
import { ratioSection } from './ratios.js';

export type Results = Record<string, BenchRecord | undefined>;

export function renderBenchmarks(results: Results): string {
  const any = Object.values(results).find(Boolean);
  return `# Benchmarks

<!-- Rendered by bench/report from bench/results.json: do not edit by hand; \`npm run bench\` refreshes both. -->

Every figure comes from \`npm run bench\` (bench/run.js), on ${any ? machineLine(any.machine) : 'this machine'}: two cores
shared with other work, so the load average is printed beside each figure. Method:
- **CPU per event is the primary figure** (\`process.cpuUsage()\` for the client; \`/proc/<pid>/stat\` for the endpoint):
  it moves much less with the neighbours than events/s. Throughput ratios are context.
- **Steady state**: every pass is sampled every 100 ms; the part before 20% of its events were acknowledged
  (and at least 1 s) is the warm-up (JIT, connecting, first GCs), reported on its own; the steady window ends
  at 90% (the drain is cut off).
- **Each pass in its own process, on a fresh endpoint**; sides alternate their order round by round;
  figures are medians with min-max over the rounds.

${goalsTable(results)}

${ratioSection(results['mqtt-ratio'], 'mqtt-ratio: MQTT QoS 1, shared connections', ['fleetsim-lean', 'fleetsim-mqtt.js', 'raw-mqtt.js'], HOW.mqtt)}
${ratioSection(results['http-ratio'], 'http-ratio: HTTP, one event per POST', ['fleetsim', 'autocannon'], HOW.http)}
${otherSections(results)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const results = JSON.parse(readFileSync(`${root}bench/results.json`, 'utf8')) as Results;
  writeFileSync(`${root}BENCHMARKS.md`, renderBenchmarks(results));
}
