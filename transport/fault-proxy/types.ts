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
  /** Jitter's random source for one lane, by its key (the connection's identity, its ordinal
   * among that identity's connections, and the direction), so a seeded run draws each device's
   * jitter the same whatever the other devices do. @default Math.random for every lane */
  randomFor?: (key: string) => () => number;
  /** Who owns a connection the proxy cannot read a client id from (TLS, WebSocket, HTTP): the
   * devices' transport records each socket's local port as it connects. */
  owners?: PortOwners;
}

/** Source port -> the device (or group of devices) whose socket it is, filled by the transport. */
export interface PortOwners {
  ownerOf(port: number): string | undefined;
}

/** What the proxy saw follow from one fault (by the cause given to `cut`, `partition` or
 * `blameUpstream`): connections that came back after it closed their owner's last one, and the
 * PUBLISH frames sent again with DUP on those connections. */
export interface CauseCounters {
  reconnects: number;
  dupPublishes: number;
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
