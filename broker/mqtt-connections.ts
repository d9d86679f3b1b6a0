/**
 * Hands MQTT connections (TCP, TLS or WebSocket streams) to aedes with the limits in front: the
 * packet-size guard before the parser (mqtt-guard.ts) and a cap on connections per source
 * address still waiting for CONNECT. aedes's own connectTimeout closes a socket that never sends
 * CONNECT.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Aedes, Client } from 'aedes';
import type { Logger } from 'pino';
import type { EndpointMetrics } from './endpoint-metrics.js';
import type { ResolvedLimits } from './limits.js';
import { FastConnect } from './mqtt-fast-connect.js';
import { installFastIngest, type StatusTaker } from './mqtt-fast-ingest.js';
import { PacketGuard } from './mqtt-guard.js';

interface ParserSeam {
  _parser?: { parse(buf: Buffer): number };
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

export function createConnectionHandler(
  broker: Aedes,
  limits: ResolvedLimits,
  metrics: EndpointMetrics,
  log: Logger,
  takeStatus?: StatusTaker,
) {
  const pending = new Map<string, number>();
  let logged = 0;
  let slowOnly = false;
  let slowConnect = false;
  const fastConnect = new FastConnect(broker);
  const stop = (stream: Duplex, address: string, why: string) => {
    metrics.mqttConnectionsRefused++;
    // Counted always; logged for the first 100 and then one in 1,000, so a flood cannot fill the disk.
    if (logged++ < 100 || logged % 1000 === 0)
      log.warn(
        { transport: 'mqtt', source: address, refusedSoFar: metrics.mqttConnectionsRefused },
        `connection closed: ${why}`,
      );
    stream.destroy();
  };

  return function handle(stream: Duplex, address: string, req?: IncomingMessage): void {
    const counted = !isLoopback(address);
    if (counted) {
      const n = (pending.get(address) ?? 0) + 1;
      if (n > limits.mqttMaxPendingPerSource)
        return stop(stream, address, `${n - 1} connections from this address are still waiting for CONNECT`);
      pending.set(address, n);
    }
    let waiting = counted;
    const settle = () => {
      if (!waiting) return;
      waiting = false;
      const n = (pending.get(address) ?? 1) - 1;
      if (n <= 0) pending.delete(address);
      else pending.set(address, n);
    };
    stream.once('close', settle);
    const client = broker.handle(stream, req as never) as Client & ParserSeam;
    (client as unknown as NodeJS.EventEmitter).once('connected', settle);
    const parser = client._parser;
    if (!parser || typeof parser.parse !== 'function') {
      // The seam is aedes's parser (lib/client.js); without it there is no size limit: refuse to run open.
      log.error('aedes has no client._parser: the MQTT packet-size guard cannot be installed');
      stream.destroy();
      return;
    }
    // the lean CONNECT first: the fast ingest path wraps it and hands it what is not a status PUBLISH
    if (!fastConnect.install(client) && !slowConnect) {
      slowConnect = true;
      log.warn("aedes' client internals are not as expected: CONNECTs go through aedes' connect pipeline");
    }
    if (takeStatus && !installFastIngest(client, takeStatus) && !slowOnly) {
      slowOnly = true;
      log.warn("aedes' client internals are not as expected: status events go through aedes' publish pipeline");
    }
    const guard = new PacketGuard(limits.mqttMaxPacketBytes, limits.mqttMaxConnectBytes);
    const parse = parser.parse.bind(parser);
    parser.parse = (buf: Buffer) => {
      const why = guard.feed(buf);
      if (why === undefined) return parse(buf);
      stop(stream, address, why);
      return 0;
    };
  };
}
