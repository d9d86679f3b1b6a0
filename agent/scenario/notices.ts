/**
 * What a valid scenario should still change: a field in its old place that is read for now. Each
 * notice says where (file:line), what replaces it and the exact text to write, so moving is a
 * copy. `fleetsim run` and `fleetsim validate` print them on stderr; the run goes on.
 */
import { TRANSPORT_KINDS } from '../../transport/kinds/kinds.js';
import { positionsOf, where } from './positions.js';
import type { Scenario } from './schema.js';

/** YAML flow text of a small record of options: `connections: 16, batch: 50`. */
function flow(options: Record<string, unknown>): string {
  return Object.entries(options)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

/** The load section's old `http:` / `mqtt:` options of a transport, by kind. */
export function legacyTransportOptions(s: Scenario): [kind: string, options: Record<string, unknown>][] {
  const load = s.load as Record<string, unknown> | undefined;
  const out: [string, Record<string, unknown>][] = [];
  for (const kind of TRANSPORT_KINDS) {
    const v = load?.[kind];
    if (v !== null && typeof v === 'object') out.push([kind, v as Record<string, unknown>]);
  }
  return out;
}

export function scenarioNotices(s: Scenario): string[] {
  const positions = positionsOf(s);
  const at = (path: (string | number)[]) => {
    const line = where(positions, path);
    return positions ? `${positions.file}${line ? `:${line}` : ''}: ` : '';
  };
  return legacyTransportOptions(s).map(([kind, options]) => {
    const only =
      s.transport === kind ? '' : ` It applies only when the run's transport is ${kind} (--transport ${kind}).`;
    return `${at(['load', kind])}load.${kind} is deprecated: a transport's options sit in its own variant of \`transport\` now. Write \`transport: { kind: ${kind}, ${flow(options)} }\` and delete load.${kind}.${only}`;
  });
}
