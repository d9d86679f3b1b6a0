/**
 * One connection through the fault proxy: the device's socket, the target's, a lane each way,
 * and what the proxy knows of it (whose it is, the fault it is a reconnect of, the blackhole it
 * is in). Nothing is passed on before its first chunk says whose it is: an MQTT CONNECT is read
 * whole; anything else (TLS, WebSocket, HTTP) is passed on unread and looked up by source port.
 */
import type { Socket } from 'node:net';
import type { Clock } from '../../core/clock.js';
import { Lane, type LaneCounters } from './lane.js';
import { connectClientId, firstFrameLength, PublishCounter } from './mqtt-scan.js';

export interface Conn {
  client: Socket;
  upstream: Socket;
  sourcePort: number;
  /** The client id its CONNECT gave (MQTT). */
  identity: string | undefined;
  /** Whose the devices' transport says its source port is. */
  owner: string | undefined;
  /** Bytes from the client held until its first chunk (MQTT: its whole CONNECT) is read. */
  held: Buffer | undefined;
  /** The fault whose closing of this owner's previous connection this one follows. */
  cause: number | undefined;
  /** The target has sent something back: the connection is up end to end. */
  answered: boolean;
  /** The blackhole (its fault) this connection is in now. */
  holeCause: number | undefined;
  up: Lane;
  down: Lane;
  publishes: PublishCounter | undefined;
  /** When the device connected (the clock's ms). */
  openedAt: number;
}

export function openConn(
  client: Socket,
  upstream: Socket,
  sourcePort: number,
  mqtt: boolean,
  counters: LaneCounters,
  clock: Clock,
): Conn {
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  return {
    client,
    upstream,
    sourcePort,
    identity: undefined,
    owner: undefined,
    held: Buffer.alloc(0),
    cause: undefined,
    holeCause: undefined,
    answered: false,
    up: new Lane(client, upstream, true, counters, clock, Math.random),
    down: new Lane(upstream, client, false, counters, clock, Math.random),
    publishes: mqtt ? new PublishCounter() : undefined,
    openedAt: clock.now(),
  };
}

/** The client's bytes so far once its first chunk is whole (then `held` is cleared), or undefined
 * while an MQTT CONNECT is still incomplete. */
export function firstChunk(conn: Conn, b: Buffer): Buffer | undefined {
  const held = conn.held && conn.held.length > 0 ? Buffer.concat([conn.held, b]) : b;
  if (conn.publishes && held[0]! >> 4 === 1) {
    if (firstFrameLength(held) === 0) {
      conn.held = held;
      return undefined;
    }
    conn.identity = connectClientId(held);
  } else conn.publishes = undefined; // not a CONNECT: passed on unread
  conn.held = undefined;
  return held;
}
