/**
 * `fleetsim serve --workers N` accepts every connection to its shared MQTT port in one process
 * (node:cluster's primary) and hands it to a worker over IPC, which costs about as much CPU as
 * the connect itself; each worker also listens on a port of its own, advertised at
 * `GET /v1/cluster` as `mqttDirect`. A run against such an endpoint, with the lean client and one
 * connection per device, spreads its devices over those direct listeners instead: same brokers,
 * same tallies, no hand-over. Only for a plain `--target` + `--tallies-url` (a target file
 * describes an endpoint of the user's own) and with no network faults (their proxy stands in
 * front of the target's one port). Anything unexpected in the answer leaves the shared port.
 */
import { getBounded } from '../endpoint-client/get.js';
import type { Scenario } from '../agent/scenario/schema.js';
import {
  type TransportFlags,
  type TransportKind,
  type TransportOptions,
  TRANSPORTS,
} from '../transport/kinds/kinds.js';
import { transportOptions } from '../transport/registry.js';
import type { RunLogger } from './run-options.js';

/** The endpoint answers /v1/cluster at once; one that does not is not `serve --workers`. */
const ASK_MS = 5_000;

interface ClusterAnswer {
  mqttUrl?: unknown;
  mqttDirect?: unknown;
}

/** The transport flags that spread devices over the direct listeners, or undefined to keep the target's one port. */
export async function directListenerFlags(
  kind: TransportKind,
  scenario: Scenario,
  flags: TransportFlags | undefined,
  target: { url: string; talliesUrl: string | undefined },
  logger?: RunLogger,
): Promise<TransportFlags | undefined> {
  const spec = TRANSPORTS[kind] as {
    directSpread?: (o: TransportOptions, target: URL) => ((ports: readonly number[]) => TransportFlags) | undefined;
  };
  if (!target.talliesUrl || !spec.directSpread) return undefined;
  const url = new URL(target.url);
  const spread = spec.directSpread(transportOptions(kind, scenario, flags), url);
  if (!spread) return undefined;
  const ports = await askDirectPorts(new URL('/v1/cluster', target.talliesUrl), url);
  if (!ports) return undefined;
  logger?.info(
    { directListeners: ports },
    `devices connect to the ${ports.length} workers' own listeners (ports ${ports.join(', ')}) instead of the shared port ${url.port}`,
  );
  return { ...flags, ...spread(ports) };
}
/** The workers' direct ports when /v1/cluster names the target's own shared port; else undefined. */
async function askDirectPorts(at: URL, target: URL): Promise<number[] | undefined> {
  let body: ClusterAnswer;
  try {
    const res = await getBounded(at, ASK_MS);
    if (res.statusCode !== 200) {
      await res.body.dump();
      return undefined;
    }
    body = (await res.body.json()) as ClusterAnswer;
  } catch {
    return undefined;
  }
  if (typeof body.mqttUrl !== 'string' || !Array.isArray(body.mqttDirect) || body.mqttDirect.length === 0)
    return undefined;
  const shared = new URL(body.mqttUrl);
  if (shared.protocol !== target.protocol || shared.port !== target.port) return undefined;
  const ports = body.mqttDirect.map((u) => (typeof u === 'string' ? Number(new URL(u).port) : 0));
  return ports.every((p) => p > 0) ? ports : undefined;
}
