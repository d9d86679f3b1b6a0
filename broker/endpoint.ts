/**
 * The embedded ingestion endpoint: the aedes broker (MQTT over TCP, and over WebSocket at
 * /mqtt on the HTTP port) and the HTTP API in one process over one tally store, optionally with
 * TLS (mqtts, https, wss), auth, and a journal for durability. `startEndpoint({})` listens on free
 * loopback ports, open and in memory, as the quick start wants it.
 */
import { type Clock, systemClock } from '../core/clock.js';
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Aedes } from 'aedes';
import { pino, type Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { Authenticator, type AuthConfig } from './auth.js';
import { EndpointFaults, type Pausable } from './endpoint-faults.js';
import { EndpointMetrics } from './endpoint-metrics.js';
import { createHttpHandler, type HealthReport, type HttpApiHooks } from './http-api.js';
import { EndpointSink } from './ingest-sink.js';
import { LocalIngestor, type Ingestor } from './ingestor.js';
import { Journal } from './journal.js';
import { resolveLimits, type EndpointLimits } from './limits.js';
import { createConnectionHandler } from './mqtt-connections.js';
import { createIngestBroker, type MqttIngestDeps, type MqttIngestHooks } from './mqtt-ingest.js';
import { TallyStore } from './store.js';
import { EndpointConfigError, PortInUseError } from '../protocol/errors.js';

export interface TlsFiles {
  /** PEM certificate chain. */
  cert: string | Buffer;
  /** PEM private key. */
  key: string | Buffer;
}

export interface EndpointOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 0 */
  mqttPort?: number;
  /** 0 picks a free port. @default 0 */
  httpPort?: number;
  /** MQTT over WebSocket at /mqtt on the HTTP port. @default true */
  websocket?: boolean;
  /** Serve mqtts, https and wss instead of the plain protocols. */
  tls?: TlsFiles;
  /** Credentials and ACL; omitted means open (the quick start). */
  auth?: AuthConfig;
  /** Journal every accepted event here before acknowledging it; rebuild the tallies from it on start. */
  dataDir?: string;
  /** Compact the journal (snapshot, then empty it) once it is larger than this. @default 64 MiB */
  compactBytes?: number;
  /** @default a silent pino logger */
  logger?: Logger;
  /** A failed journal write or fsync. @default log it and exit the process with code 70 */
  onFatal?: (err: Error) => void;
  /** Resource limits per client (docs/endpoint.md, "Limits"). */
  limits?: EndpointLimits;
  http?: HttpApiHooks;
  mqtt?: MqttIngestHooks;
  /** false: status events go through aedes' whole publish pipeline (mqtt-fast-ingest.ts), for comparison. @default true */
  mqttFastIngest?: boolean;
  /** More parts for /healthz (the cluster's workers); their `ok` joins this process's listeners'. */
  health?: () => HealthReport;
  /** Time of receipt of every event and the ingest latency. @default systemClock */
  clock?: Clock;
}

export interface Endpoint {
  store: TallyStore;
  broker: Aedes;
  ingestor: Ingestor;
  /** The ingest seam without a socket: what the in-memory transport delivers to. */
  sink: EndpointSink;
  metrics: EndpointMetrics;
  mqttUrl: string;
  httpUrl: string;
  /** ws://host:httpPort/mqtt (wss:// with TLS), or undefined without WebSocket. */
  wsUrl: string | undefined;
  /** Events rebuilt from the journal at start (0 without a data directory). */
  replayed: number;
  /** True when clients must authenticate (MQTT CONNECT credentials, HTTP bearer tokens). */
  authEnabled: boolean;
  /** Refusals and stops on purpose, armed by a run with endpoint faults (docs/faults.md). */
  faults: EndpointFaults;
  /** Stops taking events, acknowledges what is in flight once durable, then closes everything. */
  close(): Promise<void>;
}

function listen(server: NetServer | HttpServer, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new PortInUseError(
              `${what} port ${port} is in use on ${host} (another fleetsim serve, a broker, or another program holds it); stop that process, or pass another port (0 picks any free one).`,
            )
          : err.code === 'EACCES'
            ? new EndpointConfigError(
                `${what} port ${port} on ${host}: not allowed (ports below 1024 need privileges); pass a port of 1024 or more.`,
              )
            : err,
      );
    server.once('error', fail);
    server.listen({ port, host, backlog: 4096 }, () => {
      server.off('error', fail);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startEndpoint(opts: EndpointOptions = {}): Promise<Endpoint> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.logger ?? pino({ level: 'silent' });
  const store = new TallyStore();
  const metrics = new EndpointMetrics();
  const auth = new Authenticator(opts.auth);
  const limits = resolveLimits(opts.limits);
  const onFatal =
    opts.onFatal ??
    ((err: Error) => {
      log.fatal({ err }, 'journal write failed; stopping without acknowledging anything more');
      process.exit(70);
    });

  const { journal, replayed } = await openJournal(opts, store, log, onFatal);
  const ingestor = new LocalIngestor(store, metrics, journal);
  metrics.journal = journal?.stats;

  let draining = false;
  const clock = opts.clock ?? systemClock;
  const { broker, handleMqtt, faults } = await mqttSide(opts, { store, ingestor, metrics, auth, log, clock }, limits);
  const { mqttServer, sockets } = mqttListener(opts, handleMqtt, faults);

  const handler = createHttpHandler({
    store,
    ingestor,
    metrics,
    auth,
    log,
    durable: Boolean(journal),
    clock,
    mqttClients: () => broker.connectedClients,
    draining: () => draining,
    faults,
    health: () => {
      const mqtt = mqttServer.listening;
      const extra = opts.health?.();
      return { ...extra, ok: mqtt && (extra?.ok ?? true), listeners: { http: true, mqtt } };
    },
    ...(opts.http ? { hooks: opts.http } : {}),
  });
  const httpServer = httpListener(opts, limits, handler);

  const wss = opts.websocket === false ? undefined : webSocketListener(httpServer, limits, handleMqtt);
  const { mqttPort, httpPort } = await listenOrUndo(opts, host, { mqttServer, httpServer, wss, broker, journal });
  const s = opts.tls ? 's' : '';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  log.info(
    {
      mqtt: `mqtt${s}://${urlHost}:${mqttPort}`,
      http: `http${s}://${urlHost}:${httpPort}`,
      auth: auth.enabled,
      durable: Boolean(journal),
      clock,
    },
    'endpoint listening',
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    draining = true;
    return stop({ faults, mqttServer, ingestor, broker, sockets, wss, httpServer, journal, log, store });
  };

  return {
    store,
    broker,
    ingestor,
    sink: new EndpointSink({ store, ingestor, metrics, auth, log, clock, draining: () => draining }),
    metrics,
    mqttUrl: `mqtt${s}://${urlHost}:${mqttPort}`,
    httpUrl: `http${s}://${urlHost}:${httpPort}`,
    wsUrl: wss ? `ws${s}://${urlHost}:${httpPort}/mqtt` : undefined,
    replayed,
    authEnabled: auth.enabled,
    faults,
    close: () => (closing ??= close()),
  };
}

/** The broker that ingests status events, its connection handler (limits, the fast path) and the
 * endpoint faults that pause its clients. */
async function mqttSide(
  opts: EndpointOptions,
  d: Omit<MqttIngestDeps, 'connectTimeoutMs' | 'hooks'> & { clock: Clock },
  limits: ReturnType<typeof resolveLimits>,
) {
  const { broker, takeStatus } = await createIngestBroker({
    ...d,
    connectTimeoutMs: limits.mqttConnectTimeoutMs,
    ...(opts.mqtt ? { hooks: opts.mqtt } : {}),
  });
  const fast = opts.mqttFastIngest === false ? undefined : takeStatus;
  const handleMqtt = createConnectionHandler(broker, limits, d.metrics, d.log, fast);
  // aedes' own pause: a paused client's connection is not read (lib/client.js nextBatch), TCP backs up.
  const connected = () => Object.values((broker as unknown as { clients: Record<string, Pausable> }).clients);
  const faults = new EndpointFaults(d.clock, connected);
  broker.on('client', (c) => faults.onSocket(c as unknown as Pausable));
  return { broker, handleMqtt, faults };
}

/** The MQTT listener (TLS with a certificate): each socket tracked for the close, and held unread
 * while an endpoint fault stops reading. */
function mqttListener(
  opts: EndpointOptions,
  handleMqtt: ReturnType<typeof createConnectionHandler>,
  faults: EndpointFaults,
): { mqttServer: NetServer; sockets: Set<Socket> } {
  const sockets = new Set<Socket>();
  const onMqttSocket = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    // a connection made while the endpoint does not read is not read either, CONNECT included
    if (faults.holdIfStopped(() => handleMqtt(socket, socket.remoteAddress ?? ''), 'connectionsHeld')) return;
    handleMqtt(socket, socket.remoteAddress ?? '');
  };
  const mqttServer: NetServer = opts.tls
    ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, onMqttSocket)
    : createNetServer(onMqttSocket);
  return { mqttServer, sockets };
}

/** MQTT over WebSocket at /mqtt on the HTTP listener. */
function webSocketListener(
  httpServer: HttpServer,
  limits: ReturnType<typeof resolveLimits>,
  handleMqtt: ReturnType<typeof createConnectionHandler>,
): WebSocketServer {
  const wss = new WebSocketServer({ server: httpServer, path: '/mqtt', maxPayload: limits.mqttMaxPacketBytes + 8 });
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => undefined);
    handleMqtt(stream, req.socket.remoteAddress ?? '', req);
  });
  // The WebSocket server re-emits the HTTP server's errors; listen() reports them, not a crash.
  wss.on('error', () => undefined);
  return wss;
}

/** No new connections; what arrived is acknowledged once durable, then connections go. */
async function stop(e: {
  faults: EndpointFaults;
  mqttServer: NetServer;
  ingestor: LocalIngestor;
  broker: Aedes;
  sockets: Set<Socket>;
  wss: WebSocketServer | undefined;
  httpServer: HttpServer;
  journal: Journal | undefined;
  log: Logger;
  store: TallyStore;
}): Promise<void> {
  e.faults.disarm();
  const mqttClosed = new Promise<void>((r) => e.mqttServer.close(() => r()));
  await e.ingestor.drain();
  await new Promise<void>((r) => setImmediate(r));
  await new Promise<void>((r) => e.broker.close(() => r()));
  for (const sock of e.sockets) sock.destroy();
  await mqttClosed;
  for (const c of e.wss?.clients ?? []) c.terminate();
  e.wss?.close();
  e.httpServer.closeAllConnections();
  await new Promise<void>((r) => e.httpServer.close(() => r()));
  // Events that slipped in while closing are in the journal's queue: close() flushes them.
  await e.journal?.close();
  e.log.info({ accepted: e.store.counters.accepted, pairs: e.store.pairs }, 'endpoint stopped');
}

/** With --data-dir: the journal, replayed into the store (a torn tail dropped and said so); without: none. */
async function openJournal(
  opts: EndpointOptions,
  store: TallyStore,
  log: Logger,
  onFatal: (err: Error) => void,
): Promise<{ journal: Journal | undefined; replayed: number }> {
  if (!opts.dataDir) return { journal: undefined, replayed: 0 };
  const opened = await Journal.open(opts.dataDir, store, {
    onFatal,
    ...(opts.compactBytes ? { compactBytes: opts.compactBytes } : {}),
  });
  if (opened.torn)
    log.warn(
      { dataDir: opts.dataDir, droppedTornBytes: opened.droppedTornBytes, why: opened.torn },
      'journal: dropped a torn tail (a batch never wholly on disk, so never acknowledged); its bytes are kept in the data directory as torn-<offset>.bin',
    );
  log.info(
    {
      dataDir: opts.dataDir,
      replayed: opened.replayed,
      fromSnapshot: opened.fromSnapshot,
      droppedTornBytes: opened.droppedTornBytes,
      pairs: store.pairs,
    },
    'journal replayed',
  );
  return { journal: opened.journal, replayed: opened.replayed };
}

/** The HTTP(S) server of the API, keep-alive, with deadlines against slow clients and a ceiling on connections. */
function httpListener(
  opts: EndpointOptions,
  limits: ReturnType<typeof resolveLimits>,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): HttpServer {
  const httpOptions = {
    keepAlive: true,
    // Slowloris: headers and whole requests have deadlines, checked every second.
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: 1_000,
  };
  const httpServer: HttpServer = opts.tls
    ? (createHttpsServer(
        { cert: opts.tls.cert, key: opts.tls.key, ...httpOptions },
        handler as (req: IncomingMessage, res: ServerResponse) => void,
      ) as unknown as HttpServer)
    : createHttpServer(httpOptions, handler);
  httpServer.keepAliveTimeout = 65_000;
  httpServer.maxConnections = limits.maxHttpConnections;
  return httpServer;
}

/** Both listeners up, or, when one cannot listen, nothing left listening or holding the data directory. */
async function listenOrUndo(
  opts: EndpointOptions,
  host: string,
  parts: {
    mqttServer: NetServer;
    httpServer: HttpServer;
    wss: WebSocketServer | undefined;
    broker: Aedes;
    journal: Journal | undefined;
  },
): Promise<{ mqttPort: number; httpPort: number }> {
  const { mqttServer, httpServer, wss, broker, journal } = parts;
  try {
    const mqttPort = await listen(mqttServer, opts.mqttPort ?? 0, host, opts.tls ? 'MQTTS' : 'MQTT');
    const httpPort = await listen(httpServer, opts.httpPort ?? 0, host, opts.tls ? 'HTTPS' : 'HTTP');
    return { mqttPort, httpPort };
  } catch (err) {
    // Nothing is left listening or holding the data directory when the endpoint cannot start.
    await new Promise<void>((r) => (mqttServer.listening ? mqttServer.close(() => r()) : r()));
    await new Promise<void>((r) => (httpServer.listening ? httpServer.close(() => r()) : r()));
    wss?.close();
    await new Promise<void>((r) => broker.close(() => r()));
    await journal?.close();
    throw err;
  }
}
