/** What the fault proxy is given and what it reports: its options, a fault's scope, its counters. */
import type { Clock } from '../../core/clock.js';
import type { LaneCounters } from './lane.js';

export interface FaultProxyOptions {
  /** Where the proxied service listens. */
  target: { host: string; port: number };
  /** @default "127.0.0.1" */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** "mqtt" reads the CONNECT's client id and counts PUBLISH frames on the wire. @default "none" */
  protocol?: 'mqtt' | 'none';
  /** @default systemClock */
  clock?: Clock;
  /** Jitter's random source (seeded by the caller for a repeatable run). @default Math.random */
  random?: () => number;
}

/** Which connections a fault hits: those whose client id is in `ids` or whose source port is in
 * `ports`; every connection when neither is given. */
export interface ProxyScope {
  ids?: ReadonlySet<string>;
  ports?: ReadonlySet<number>;
}

export interface ProxyCounters extends LaneCounters {
  accepted: number;
  /** Connections open through the proxy now. */
  open: number;
  /** Connections reset by a cut or by the start of a refuse partition. */
  connectionsCut: number;
  /** Connects reset at once because a refuse partition covered them. */
  refusedConnects: number;
  /** PUBLISH frames from clients, and those with the DUP flag (MQTT only). */
  publishes: number;
  dupPublishes: number;
}

export type PartitionMode = 'refuse' | 'blackhole';

/** A fault that lasts until it is lifted. */
export interface Lifting {
  lift(): void;
}
