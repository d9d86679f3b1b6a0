/** BENCHMARKS.md sections for the side-by-side client benchmarks (MQTT, HTTP). */
import type { BenchRecord } from '../method/output.js';
import type { PassResult } from '../method/pass.js';
import type { Limit, SideSummary } from '../method/rounds.js';
import type { Spread } from '../method/stats.js';
import { machineLine, n, sp, table, when } from './format.js';

interface RatioSummary {
  cpuRatio: number;
  eventsPerSecRatio: Spread;
  endpointCpuRatio: number;
  payloadBytes?: number;
  limit?: Record<string, Limit>;
  pairEventsPerCpuSecRatio?: number;
  [side: string]: unknown;
}

/** Which process set the pace, per side, and the pair's events per CPU-second (mqtt-ratio). */
function limitLine(s: RatioSummary, sides: string[]): string {
  if (!s.limit) return '';
  const per = sides
    .map((name) => {
      const l = s.limit![name];
      if (!l) return '';
      const who = l.endpoint === l.passes ? 'the endpoint' : l.client === l.passes ? 'the client' : 'either';
      return `${name}: ${who} (endpoint slower in ${l.endpoint} of ${l.passes} passes), ${sp(l.pairEventsPerCpuSec, 0)} events per CPU-second of client and endpoint`;
    })
    .filter(Boolean)
    .join('; ');
  return `\n\nThe limit of each pass is the process with the larger CPU per event (client and endpoint are a pipeline on the same shared cores, so its share of the machine sets events/s): ${per}. Events per CPU-second of the pair, ${sides[0]} / ${sides[sides.length - 1]}: **${s.pairEventsPerCpuSecRatio}x** (what events/s would be with the two cores to the pair alone).`;
}

function sideRows(rec: BenchRecord, sides: string[]): string[][] {
  const s = rec.summary as RatioSummary;
  return sides.map((name) => {
    const x = s[name] as SideSummary;
    return [
      name,
      sp(x.cpuUsPerEvent, 2, 'µs'),
      sp(x.eventsPerSec, 0),
      sp(x.peerCpuUsPerEvent, 2, 'µs'),
      `${sp(x.warmupSeconds, 2, 's')} at ${sp(x.warmupCpuUsPerEvent, 1, 'µs')}`,
      sp(x.load, 2),
    ];
  });
}

function passRows(rec: BenchRecord): string {
  const rows = (rec.passes as (PassResult & { round: number })[]).map((p) => [
    `${p.round}`,
    p.side,
    n(p.steady.cpuUsPerEvent, 2),
    n(p.steady.eventsPerSec),
    n(p.steady.peerCpuUsPerEvent, 2),
    `${n(p.steady.seconds, 1)} s / ${n(p.steady.events)}`,
    `${n(p.warmup.seconds, 2)} s, ${n(p.warmup.cpuUsPerEvent, 1)} µs`,
    `${p.load[0]} -> ${p.load[1]}`,
  ]);
  return table(
    ['round', 'side', 'CPU µs/event', 'events/s', 'endpoint µs/event', 'steady window', 'warm-up', 'load'],
    rows,
  );
}

const HEAD = [
  'side',
  'client CPU per event (steady)',
  'events/s (steady)',
  'endpoint CPU per event',
  'warm-up',
  'load',
];

export function ratioSection(rec: BenchRecord | undefined, title: string, sides: string[], how: string): string {
  if (!rec) return `## ${title}\n\nNot in bench/results.json yet: \`npm run bench -- ${title.split(' ')[0]}\`.\n`;
  const s = rec.summary as RatioSummary;
  const base = sides[sides.length - 1]!;
  return `## ${title}

${when(rec)}; ${machineLine(rec.machine)}. Config: \`${JSON.stringify(rec.config)}\`${s.payloadBytes ? `, ${s.payloadBytes}-byte events on average` : ''}.

${table(HEAD, sideRows(rec, sides))}

CPU per event, ${sides[0]} / ${base}: **${s.cpuRatio}x**${s.mqttJsCpuRatio !== undefined ? ` (${sides[1]}: ${s.mqttJsCpuRatio}x)` : ''}. events/s per round, ${sides[0]} / ${base}: **${sp(s.eventsPerSecRatio, 2)}**${s.mqttJsEventsPerSecRatio ? ` (${sides[1]}: ${sp(s.mqttJsEventsPerSecRatio as Spread, 2)})` : ''}. Endpoint CPU per event, on ${sides[0]}'s traffic / on ${base}'s: **${s.endpointCpuRatio}x**.${limitLine(s, sides)}

<details><summary>Every pass</summary>

${passRows(rec)}

</details>

${how}
`;
}
