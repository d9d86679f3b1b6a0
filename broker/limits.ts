/**
 * What one client may hold of the endpoint: the resource limits of both listeners, with the
 * defaults docs/endpoint.md states. Every limit that is hit is refused with a reason and counted;
 * none of them bounds a well-behaved fleetsim run (64 HTTP connections, events of a few hundred
 * bytes, CONNECT right after the TCP handshake).
 */

export interface EndpointLimits {
  /** Open HTTP connections; past it new ones are closed at once. @default 10000 */
  maxHttpConnections?: number;
  /** Time for a request's headers to arrive (slowloris). @default 10000 */
  headersTimeoutMs?: number;
  /** Time for a whole request, body included. @default 60000 */
  requestTimeoutMs?: number;
  /** Largest MQTT packet (fixed header's remaining length); checked before the packet is read. @default 16384 */
  mqttMaxPacketBytes?: number;
  /** Largest CONNECT packet, the only one a client may send before it is authenticated. @default 4096 */
  mqttMaxConnectBytes?: number;
  /** Time from the TCP connection to CONNECT. @default 10000 */
  mqttConnectTimeoutMs?: number;
  /**
   * MQTT connections from one address that have not completed CONNECT yet. Loopback is exempt:
   * a load test on this machine is one source by construction. @default 256
   */
  mqttMaxPendingPerSource?: number;
}

export type ResolvedLimits = Required<EndpointLimits>;

export const DEFAULT_LIMITS: ResolvedLimits = {
  maxHttpConnections: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  mqttMaxPacketBytes: 16_384,
  mqttMaxConnectBytes: 4_096,
  mqttConnectTimeoutMs: 10_000,
  mqttMaxPendingPerSource: 256,
};

export function resolveLimits(l: EndpointLimits = {}): ResolvedLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const k of Object.keys(DEFAULT_LIMITS) as (keyof ResolvedLimits)[]) {
    const v = l[k];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`Expected limits.${k} to be an integer >= 1, got ${JSON.stringify(v)} (${typeof v})`);
    out[k] = v;
  }
  return out;
}
