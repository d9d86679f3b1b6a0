/**
 * `fleetsim validate <scenario>`: everything a run would refuse, found with no network and no
 * endpoint: the file, its schema (every problem listed, not the first eight), cross-field checks,
 * thresholds, and the fleet and lifecycle models built as a run builds them (quotas that cannot
 * be met, overrides naming no transition), and the target a run would reach (a --target-file,
 * or the scenario's own `target:`): its URL, wire templates and codes against the fleet's
 * platforms, TLS files and the tally source, compiled as a run compiles them, with no connection.
 * Exit 0 and a one-paragraph summary, or exit 3.
 */
import { loadScenario } from '../agent/scenario/load.js';
import { scenarioNotices } from '../agent/scenario/notices.js';
import { thresholdsOf } from '../agent/scenario/thresholds.js';
import { buildFleet } from '../agent/fleet/fleet.js';
import { resolveRunTarget, wantsRunTarget } from '../run/run-target.js';
import { optionalWholeNumber } from './number-flags.js';

export interface ValidateArgs {
  scenario: string;
  devices?: unknown;
  targetFile?: string | undefined;
  target?: string | undefined;
}

const fmt = (n: number) => n.toLocaleString('en-US');

export async function validateCommand(a: ValidateArgs): Promise<number> {
  const devices = optionalWholeNumber('devices', a.devices);
  const scenario = loadScenario(a.scenario, { listed: Number.POSITIVE_INFINITY });
  for (const n of scenarioNotices(scenario)) process.stderr.write(`fleetsim: warning: ${n}\n`);
  const fleet = buildFleet(scenario, devices !== undefined ? { devices } : {});
  const byPlatform = new Map<string, number>();
  for (const d of fleet.devices) byPlatform.set(d.platform, (byPlatform.get(d.platform) ?? 0) + 1);
  const thresholds = thresholdsOf(scenario.thresholds);
  const targetOptions = { targetFile: a.targetFile, target: a.target };
  const target = wantsRunTarget(scenario, targetOptions) ? resolveRunTarget(scenario, targetOptions) : undefined;
  const platforms = [...byPlatform].map(([p, n]) => `${p} ${fmt(n)}`).join(', ');
  process.stdout.write(
    `${a.scenario}: valid. ${fmt(fleet.devices.length)} devices (${platforms}), ${scenario.apps.length} app${scenario.apps.length > 1 ? 's' : ''}, ` +
      `${fmt(fleet.devices.reduce((n, d) => n + d.apps.length, 0))} installations over ${scenario.transport}, time scale ${scenario.timeScale}, ` +
      `${thresholds.length} threshold${thresholds.length === 1 ? '' : 's'} (${thresholds.map((t) => t.check).join('; ')}).\n` +
      (target
        ? `target ${target.loaded?.source.file ?? '--target'}: ${target.url} (${target.kind}, ${target.wire.builtin ? "fleetsim's wire" : 'a wire of its own: path, topic or body'}), counts read back from ${target.tallies.source === 'none' ? 'nowhere (tallies: none; not reconciled)' : target.tallies.source}.\n`
        : ''),
  );
  return 0;
}
