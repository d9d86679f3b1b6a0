/**
 * `fleetsim serve --workers N`: MQTT brokers in N worker processes sharing one port (node:cluster,
 * round-robin) and each listening on a port of its own as well (its direct listener, advertised
 * at /v1/cluster as `mqttDirect`: `fleetsim run` spreads its devices over them, so this process
 * neither accepts nor hands over their connections), and one exact owner of the tallies in this
 * process: the embedded endpoint (store, journal, HTTP API, live page), which ingests every
 * worker's events in order and answers before the worker acknowledges. Needed past about 19,000 MQTT connections, since each process
 * may open at most 20,000 files here. HTTP ingestion stays in the owner. A worker that dies is
 * logged and forked again (worker-supervisor.ts); /healthz is 503 until it listens again.
 */
import cluster from 'node:cluster';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import { startEndpoint, type Endpoint, type EndpointOptions } from './endpoint.js';
import { pino } from 'pino';
import { eventCount } from './ipc-events.js';
import type { ToWorker } from './ipc-ingestor.js';
import { WorkerAnswers } from './ipc-owner.js';
import { type SupervisorTimers, WorkerSupervisor, type WorkerHealth } from './worker-supervisor.js';
import type { WorkerConfig } from './cluster-worker.js';

export interface ClusterOptions extends Omit<EndpointOptions, 'mqttPort' | 'http' | 'mqtt'> {
  workers: number;
  /** The shared MQTT port. 0 picks one free port for every worker. @default 0 */
  mqttPort?: number;
  tlsCertPath?: string;
  tlsKeyPath?: string;
  /** @default 'warn' */
  workerLogLevel?: string;
  /** The supervisor's restart timers (tests hold a restart back with their own). */
  supervisorTimers?: SupervisorTimers;
}

export interface ClusterEndpoint {
  /** The owner: store, HTTP API, journal. */
  owner: Endpoint;
  mqttUrl: string;
  /** Each worker's direct listener, in worker order. */
  directUrls(): string[];
  httpUrl: string;
  /** MQTT clients connected to the workers, as they last reported (once a second). */
  mqttClients(): number;
  /** Events each worker passed to the owner. */
  eventsPerWorker(): number[];
  /** Each worker: up or not, its pid, how often it was forked again. */
  health(): { ok: boolean; workers: WorkerHealth[] };
  close(): Promise<void>;
}

function workerEntry(): string {
  const here = fileURLToPath(new URL('./cluster-worker.js', import.meta.url));
  return existsSync(here) ? here : fileURLToPath(new URL('../dist/broker/cluster-worker.js', import.meta.url));
}

/** A port free now: the workers' shared port must be a number, not 0 (see WorkerSupervisor.start). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host }, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export async function startCluster(opts: ClusterOptions): Promise<ClusterEndpoint> {
  const host = opts.host ?? '127.0.0.1';
  const s = opts.tls ? 's' : '';
  /** Connections each worker accepted on the shared port and on its own. */
  const accepted = Array.from({ length: opts.workers }, () => ({ shared: 0, direct: 0 }));
  const directUrls = () => (supervisor?.directPorts() ?? []).map((p) => `mqtt${s}://${host}:${p}`);
  let mqttUrl = '';
  const clients: number[] = new Array(opts.workers).fill(0);
  const events: number[] = new Array(opts.workers).fill(0);
  const { workers: n, mqttPort, tlsCertPath, tlsKeyPath, workerLogLevel, supervisorTimers, ...endpointOpts } = opts;
  let supervisor: WorkerSupervisor | undefined;
  /** One per worker process (a worker forked again gets a new reply, so a new one). */
  const answers = new WeakMap<(r: ToWorker) => void, WorkerAnswers>();
  const owner = await startEndpoint({
    ...endpointOpts,
    host,
    // The owner's own broker is not used by devices: the workers serve MQTT.
    mqttPort: 0,
    health: () => supervisor?.health() ?? { ok: false, workers: [] },
    http: {
      route: (req, res: ServerResponse, path) => {
        if (req.method !== 'GET' || path !== '/v1/cluster') return false;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            workers: n,
            mqttUrl,
            mqttDirect: directUrls(),
            mqttClients: clients.reduce((a, b) => a + b, 0),
            clientsPerWorker: clients,
            acceptedPerWorker: accepted,
            eventsPerWorker: events,
            health: supervisor?.health().workers ?? [],
          }),
        );
        return true;
      },
    },
  });
  cluster.schedulingPolicy = cluster.SCHED_RR;
  cluster.setupPrimary({ exec: workerEntry(), args: [], execArgv: [] });
  const config: WorkerConfig = {
    host,
    mqttPort: mqttPort ?? 0,
    directPort: 0,
    auth: opts.auth ?? {},
    logLevel: workerLogLevel ?? 'warn',
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(tlsCertPath ? { tlsCertPath } : {}),
    ...(tlsKeyPath ? { tlsKeyPath } : {}),
  };
  supervisor = new WorkerSupervisor({
    count: n,
    // A worker forked again listens on the ports its predecessor had, not on new free ones.
    env: (port, directPort) => ({ FLEETSIM_CLUSTER: JSON.stringify({ ...config, mqttPort: port, directPort }) }),
    log: opts.logger ?? pino({ level: 'silent' }),
    ...(supervisorTimers ? { timers: supervisorTimers } : {}),
    onMessage: (i, m, reply) => {
      if (m.t === 'events') {
        events[i]! += eventCount(m.rows);
        let a = answers.get(reply);
        if (!a) {
          a = new WorkerAnswers(owner.ingestor, reply);
          answers.set(reply, a);
        }
        a.take(m.id, m.receivedAt, m.rows);
      } else if (m.t === 'reject') owner.store.reject(m.reason);
      else if (m.t === 'clients') {
        clients[i] = m.connected;
        accepted[i]!.shared += m.acceptedShared;
        accepted[i]!.direct += m.acceptedDirect;
        owner.metrics.mqttPublishes += m.publishes;
        owner.metrics.mqttFastIngested += m.fastIngested;
      }
    },
  });
  let port: number;
  try {
    port = await supervisor.start(config.mqttPort || (await freePort(host)));
  } catch (err) {
    await supervisor.stop();
    await owner.close();
    throw err;
  }
  mqttUrl = `mqtt${s}://${host}:${port}`;
  return {
    owner,
    mqttUrl,
    directUrls,
    httpUrl: owner.httpUrl,
    mqttClients: () => clients.reduce((a, b) => a + b, 0),
    eventsPerWorker: () => [...events],
    health: () => supervisor.health(),
    async close() {
      await supervisor.stop();
      await owner.close();
    },
  };
}
