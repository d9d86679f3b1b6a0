/**
 * One MQTT worker of `fleetsim serve --workers N`: an aedes broker on the shared MQTT port
 * (node:cluster's primary accepts each connection and hands it to a worker, round-robin) and on
 * a port of its own (its direct listener: devices that know it connect with no hand-over, which
 * costs the primary and the worker about as much CPU as the connect itself), validating and
 * authorising as the embedded endpoint does, and passing events to the owner of the tallies over
 * IPC (ipc-ingestor.ts).
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
  /** This worker's own port (0: a free one; a worker forked again gets its predecessor's). */
  directPort: number;
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
  const accepted = { shared: 0, direct: 0 };
  const onSocket = (s: Socket, own: boolean) => {
    sockets.add(s);
    if (own) accepted.direct++;
    else accepted.shared++;
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    handle(s, s.remoteAddress ?? '');
  };
  const tls =
    cfg.tlsCertPath && cfg.tlsKeyPath
      ? { cert: readFileSync(cfg.tlsCertPath), key: readFileSync(cfg.tlsKeyPath) }
      : undefined;
  const serverOf = (own: boolean): Server => {
    const accept = (s: Socket) => onSocket(s, own);
    return tls ? createTlsServer(tls, accept) : createNetServer(accept);
  };
  const server = serverOf(false);
  const own = serverOf(true);
  const listen = (srv: Server, port: number, exclusive: boolean) =>
    new Promise<number>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen({ port, host: cfg.host, backlog: 4096, exclusive }, () =>
        resolve((srv.address() as AddressInfo).port),
      );
    });
  const port = await listen(server, cfg.mqttPort, false);
  // exclusive: bound by this process itself, so the primary takes no part in its connections
  const directPort = await listen(own, cfg.directPort, true);
  send({ t: 'listening', port, directPort });
  // Counts go as deltas, so the owner's totals keep what a worker counted before it died.
  let reported = { publishes: 0, fastIngested: 0, shared: 0, direct: 0 };
  const clients = systemClock.setInterval(() => {
    const now = { publishes: metrics.mqttPublishes, fastIngested: metrics.mqttFastIngested, ...accepted };
    send({
      t: 'clients',
      connected: broker.connectedClients,
      publishes: now.publishes - reported.publishes,
      fastIngested: now.fastIngested - reported.fastIngested,
      acceptedShared: now.shared - reported.shared,
      acceptedDirect: now.direct - reported.direct,
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
    own.close();
    void ingestor.drain().then(() => {
      broker.close(() => {
        for (const s of sockets) s.destroy();
        process.exit(0);
      });
    });
  });
}

void main();
