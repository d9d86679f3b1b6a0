/**
 * The scenario `fleetsim init` writes: a small, runnable, commented file that names the knobs a
 * new user turns first and shows the rest commented out. Pure: answers in, YAML text out.
 */
import type { Platform } from '../protocol/catalogue/catalogue.js';
import { platformDef } from '../agent/platforms/registry.js';
import { TRANSPORT_KINDS, type TransportKind } from '../transport/kinds/kinds.js';

export interface InitAnswers {
  name: string;
  platforms: Platform[];
  devices: number;
  transport: TransportKind;
  appId: string;
  /** Relative path from the scenario to scenario.schema.json, for editors. */
  schemaPath: string;
  /** The target description written beside it (init --target), as the scenario's run names it. */
  targetFile?: string | undefined;
}

/** `devices` split over the platforms, the remainder to the first ones. */
export function splitDevices(devices: number, platforms: readonly Platform[]): number[] {
  const base = Math.floor(devices / platforms.length);
  return platforms.map((_, i) => base + (i < devices % platforms.length ? 1 : 0));
}

export function initScenario(a: InitAnswers): string {
  const counts = splitDevices(a.devices, a.platforms);
  const cohorts = a.platforms.flatMap((p, i) => [
    `  - name: ${p}`,
    `    platform: ${p}`,
    `    count: ${counts[i]}`,
    ...platformDef(p).init.cohort,
    '    # arrival: { uniform: ["0s", "10m"] }  # when devices come online, in simulated time',
  ]);
  return [
    `# yaml-language-server: $schema=${a.schemaPath}`,
    `# ${a.name}: written by \`fleetsim init\`. Check it with \`fleetsim validate\`, run it with \`fleetsim run\`.`,
    '# Your editor completes and explains every field through the schema above; docs/lifecycles.md and',
    '# docs/report.md describe the lifecycles and the thresholds.',
    ...(a.targetFile
      ? [
          `# Against your service: fleetsim run <this file> --target-file ${a.targetFile} (without it: the embedded endpoint).`,
        ]
      : []),
    `name: ${a.name}`,
    `description: ${a.devices} devices install ${a.appId} over ${a.transport}.`,
    'seed: 1                 # same seed: same devices, same paths, same tallies',
    `transport: ${a.transport}         # ${TRANSPORT_KINDS.join(' or ')} (--transport overrides)`,
    'timeScale: asap         # "asap", or simulated seconds per real second (e.g. 600)',
    'maxInFlight: 512        # most events sent and not yet acknowledged (--max-in-flight overrides)',
    'giveUpAfter: 60s        # nothing acknowledged this long (wall time): verdict "gave up", exit 4',
    '',
    'apps:',
    `  - id: ${a.appId}`,
    '    version: 1.0.0',
    `    platforms: [${a.platforms.join(', ')}]`,
    ...a.platforms.flatMap((p) => platformDef(p).init.app ?? []),
    '',
    'cohorts:',
    ...cohorts,
    '',
    '# Make a rare path happen exactly, or change how likely a step is (docs/lifecycles.md lists them):',
    '# quotas:',
    `#   - { cohort: ${a.platforms[0]}, count: 5, end: { status: failed } }`,
    '# overrides:',
    `#   - { platform: ${a.platforms[0]}, checkIn: 30s }`,
    '',
    'thresholds:              # any that fails makes the run exit 1 (junit.xml shows which)',
    a.targetFile
      ? `  # - reconciliation: exact # once ${a.targetFile} says how to read your counts (tallies:)`
      : '  - reconciliation: exact # every tally matches what the devices did',
    '  - errors.rate < 0.1%',
    '  - latency.ack.p99 < 1s',
    '',
  ].join('\n');
}
