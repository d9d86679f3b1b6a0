/**
 * One MQTT worker of `fleetsim serve --workers N`: an aedes broker on the shared MQTT port
 * (node:cluster hands it connections round-robin), validating and authorising as the embedded
 * endpoint does, and passing events to the owner of the tallies over IPC (ipc-ingestor.ts).
 * Each process may open at most 20,000 files here, so N workers hold about N x 19,000 devices.
 */
import { systemClock } from '../core/clock.js';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { pino } from 'pino';
import { Authenticator, type AuthConfig } from './auth.js';
import { EndpointMetrics } from './endpoint-metrics.js';
import { IpcIngestor, type ToOwner, type ToWorker } from './ipc-ingestor.js';
import { resolveLimits, type EndpointLimits } from './limits.js';
import { createConnectionHandler } from './mqtt-connections.js';
import { createIngestBroker } from './mqtt-ingest.js';
import { TallyStore } from './store.js';

export interface WorkerConfig {
  host: string;
  mqttPort: number;
  tlsCertPath?: string;
  tlsKeyPath?: string;
  auth: AuthConfig;
  limits?: EndpointLimits;
  logLevel: string;
}

const send = (m: ToOwner) => process.send!(m);

/** Rejections are counted by the owner, with everything else. */
class ForwardingStore extends TallyStore {
  override reject(field: string): void {
    send({ t: 'reject', reason: field });
  }
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.FLEETSIM_CLUSTER ?? '{}') as WorkerConfig;
  const log = pino({ level: cfg.logLevel, base: { app: 'fleetsim-serve', worker: process.pid } });
  const ingestor = new IpcIngestor({ send, on: (ev, fn) => process.on(ev, fn as (m: unknown) => void) });
  const limits = resolveLimits(cfg.limits);
  const metrics = new EndpointMetrics();
  const { broker, takeStatus } = await createIngestBroker({
    store: new ForwardingStore(),
    ingestor,
    metrics,
    auth: new Authenticator(cfg.auth),
    log,
    connectTimeoutMs: limits.mqttConnectTimeoutMs,
  });
  const handle = createConnectionHandler(broker, limits, metrics, log, takeStatus);
  const sockets = new Set<Socket>();
  const onSocket = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    handle(s, s.remoteAddress ?? '');
  };
  const server: Server =
    cfg.tlsCertPath && cfg.tlsKeyPath
      ? createTlsServer({ cert: readFileSync(cfg.tlsCertPath), key: readFileSync(cfg.tlsKeyPath) }, onSocket)
      : createNetServer(onSocket);
  await new Promise<void>((resolve) => server.listen({ port: cfg.mqttPort, host: cfg.host, backlog: 4096 }, resolve));
  send({ t: 'listening', port: (server.address() as AddressInfo).port });
  // Counts go as deltas, so the owner's totals keep what a worker counted before it died.
  let reported = { publishes: 0, fastIngested: 0 };
  const clients = systemClock.setInterval(() => {
    const now = { publishes: metrics.mqttPublishes, fastIngested: metrics.mqttFastIngested };
    send({
      t: 'clients',
      connected: broker.connectedClients,
      publishes: now.publishes - reported.publishes,
      fastIngested: now.fastIngested - reported.fastIngested,
    });
    reported = now;
  }, 1_000);

  // The owner gone (kill -9 included), nothing this worker takes could be acknowledged: go too.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: ToWorker) => {
    if (m.t !== 'stop') return;
    systemClock.clearInterval(clients);
    // No new connections; what is in flight is answered by the owner and acknowledged; then go.
    server.close();
    void ingestor.drain().then(() => {
      broker.close(() => {
        for (const s of sockets) s.destroy();
        process.exit(0);
      });
    });
  });
}

void main();
