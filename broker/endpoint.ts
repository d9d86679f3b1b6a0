/**
 * The embedded ingestion endpoint: the aedes broker (MQTT over TCP) and the HTTP API in one
 * process over one tally store. `startEndpoint({})` listens on free loopback ports.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import type { Aedes } from 'aedes';
import { createHttpHandler, type HttpApiHooks } from './http-api.js';
import { createIngestBroker, type MqttIngestHooks } from './mqtt-ingest.js';
import { TallyStore } from './store.js';

export interface EndpointOptions {
  host?: string;
  /** 0 picks a free port. @default 0 */
  mqttPort?: number;
  /** 0 picks a free port. @default 0 */
  httpPort?: number;
  http?: HttpApiHooks;
  mqtt?: MqttIngestHooks;
}

export interface Endpoint {
  store: TallyStore;
  broker: Aedes;
  mqttUrl: string;
  httpUrl: string;
  close(): Promise<void>;
}

function listen(server: NetServer | HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startEndpoint(opts: EndpointOptions = {}): Promise<Endpoint> {
  const host = opts.host ?? '127.0.0.1';
  const store = new TallyStore();
  const broker = await createIngestBroker(store, opts.mqtt);
  const sockets = new Set<Socket>();
  const mqttServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  const httpServer = createHttpServer({ keepAlive: true }, createHttpHandler(store, opts.http));
  httpServer.keepAliveTimeout = 65_000;
  const mqttPort = await listen(mqttServer, opts.mqttPort ?? 0, host);
  const httpPort = await listen(httpServer, opts.httpPort ?? 0, host);
  return {
    store,
    broker,
    mqttUrl: `mqtt://${host}:${mqttPort}`,
    httpUrl: `http://${host}:${httpPort}`,
    async close() {
      await new Promise<void>((r) => broker.close(() => r()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => mqttServer.close(() => r()));
      httpServer.closeAllConnections();
      await new Promise<void>((r) => httpServer.close(() => r()));
    },
  };
}
