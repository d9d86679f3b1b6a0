/**
 * The transport registry: every kind a run can use, with its factory. The runner and the workers
 * build their transport here, from the scenario's options for that kind and the command-line
 * flags (flags win), so both build exactly the same one.
 *
 * Adding a transport, say `amqp`:
 *   1. transport/amqp/: the implementation of `Transport` (types.ts) and `create.ts`, which builds
 *      it from a TransportContext (its validated options, the target URL, the run's auth).
 *   2. transport/kinds/amqp.ts: its declaration with defineTransport (kind, URL schemes, options
 *      with descriptions and defaults, flags, its URL on the embedded endpoint), and one entry in
 *      TRANSPORTS (transport/kinds/kinds.ts): the scenario schema's `transport` variants, the
 *      --transport choices, the flags and `TransportKind` follow from it.
 *   3. One entry in FACTORIES below; the type checker asks for it as soon as step 2 is done.
 * The declarations live in transport/kinds/, a pure room above the scenario schema that reads
 * them; this file loads every implementation.
 */
import type { Scenario } from '../agent/scenario/schema.js';
import type { IngestSink } from '../protocol/ingest-sink.js';
import { UsageError } from '../protocol/errors.js';
import type { RunAuth } from './credentials.js';
import { createHttpTransport } from './http/create.js';
import { TRANSPORTS, type TransportFlags, type TransportKind, type TransportOptions } from './kinds/kinds.js';
import { createMemoryTransport } from './memory/create.js';
import { createMqttTransport } from './mqtt/create.js';
import type { DeviceBehaviour, TargetWiring, Transport, TransportFactory } from './types.js';

export type { TransportFlags, TransportKind } from './kinds/kinds.js';

const FACTORIES: { [K in TransportKind]: TransportFactory<K> } = {
  mqtt: createMqttTransport,
  http: createHttpTransport,
  memory: createMemoryTransport,
};

/** What the scenario says about a kind's options: the scenario-wide `qos` for a kind that has
 * one, then the old `load.<kind>` section, then the scenario's own variant of `transport` (when
 * it is of this kind; the loader refuses a file that gives both). */
function scenarioOptions(scenario: Scenario, kind: TransportKind): Record<string, unknown> {
  const shape = TRANSPORTS[kind].options.shape as Record<string, unknown>;
  const legacy = (scenario.load as Record<string, unknown> | undefined)?.[kind];
  return {
    ...('qos' in shape ? { qos: scenario.qos } : {}),
    ...(legacy !== null && typeof legacy === 'object' ? legacy : {}),
    ...(scenario.transport === kind ? scenario.transportOptions : {}),
  };
}

/** The options a run's transport gets: the scenario's for that kind, then the flags it declares. */
export function transportOptions<K extends TransportKind>(
  kind: K,
  scenario: Scenario,
  flags: TransportFlags = {},
): TransportOptions<K> {
  const spec = TRANSPORTS[kind];
  const merged = scenarioOptions(scenario, kind);
  for (const key of Object.keys(spec.options.shape)) {
    const v = (flags as Record<string, unknown>)[key];
    if (v !== undefined) merged[key] = v;
  }
  const parsed = spec.options.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(
      `The ${kind} transport's option ${issue.path.join('.')} is not valid: ${issue.message}. Check the scenario's transport options and the command-line flags.`,
    );
  }
  return parsed.data as TransportOptions<K>;
}

export function createTransport(
  kind: TransportKind,
  url: string,
  scenario: Scenario,
  flags: TransportFlags = {},
  auth?: RunAuth,
  sink?: IngestSink,
  wiring?: TargetWiring,
  device?: DeviceBehaviour,
): Transport {
  const create = FACTORIES[kind] as TransportFactory;
  return create({ url, options: transportOptions(kind, scenario, flags), auth, sink, wiring, device });
}
