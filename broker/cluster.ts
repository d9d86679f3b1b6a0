/**
 * `fleetsim serve --workers N`: MQTT brokers in N worker processes sharing one port (node:cluster,
 * round-robin), and one exact owner of the tallies in this process: the embedded endpoint
 * (store, journal, HTTP API, live page), which ingests every worker's events in order and answers
 * before the worker acknowledges. Needed past about 19,000 MQTT connections, since each process
 * may open at most 20,000 files here. HTTP ingestion stays in the owner.
 */
import cluster, { type Worker } from 'node:cluster';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import { startEndpoint, type Endpoint, type EndpointOptions } from './endpoint.js';
import { answerBatch, type ToOwner, type ToWorker } from './ipc-ingestor.js';
import type { WorkerConfig } from './cluster-worker.js';

export interface ClusterOptions extends Omit<EndpointOptions, 'mqttPort' | 'http' | 'mqtt'> {
  workers: number;
  /** The shared MQTT port. 0 picks one free port for every worker. @default 0 */
  mqttPort?: number;
  tlsCertPath?: string;
  tlsKeyPath?: string;
  /** @default 'warn' */
  workerLogLevel?: string;
}

export interface ClusterEndpoint {
  /** The owner: store, HTTP API, journal. */
  owner: Endpoint;
  mqttUrl: string;
  httpUrl: string;
  /** MQTT clients connected to the workers, as they last reported (once a second). */
  mqttClients(): number;
  /** Events each worker passed to the owner. */
  eventsPerWorker(): number[];
  close(): Promise<void>;
}

function workerEntry(): string {
  const here = fileURLToPath(new URL('./cluster-worker.js', import.meta.url));
  return existsSync(here) ? here : fileURLToPath(new URL('../dist/broker/cluster-worker.js', import.meta.url));
}

export async function startCluster(opts: ClusterOptions): Promise<ClusterEndpoint> {
  const host = opts.host ?? '127.0.0.1';
  const clients: number[] = new Array(opts.workers).fill(0);
  const events: number[] = new Array(opts.workers).fill(0);
  const { workers: n, mqttPort, tlsCertPath, tlsKeyPath, workerLogLevel, ...endpointOpts } = opts;
  const owner = await startEndpoint({
    ...endpointOpts,
    host,
    // The owner's own broker is not used by devices: the workers serve MQTT.
    mqttPort: 0,
    http: {
      route: (req, res: ServerResponse, path) => {
        if (req.method !== 'GET' || path !== '/v1/cluster') return false;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            workers: n,
            mqttClients: clients.reduce((a, b) => a + b, 0),
            clientsPerWorker: clients,
            eventsPerWorker: events,
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
    auth: opts.auth ?? {},
    logLevel: workerLogLevel ?? 'warn',
    ...(tlsCertPath ? { tlsCertPath } : {}),
    ...(tlsKeyPath ? { tlsKeyPath } : {}),
  };
  const workers: Worker[] = [];
  const ports = await Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<number>((resolve, reject) => {
          const w = cluster.fork({ FLEETSIM_CLUSTER: JSON.stringify(config) });
          workers.push(w);
          w.on('message', (m: ToOwner) => {
            if (m.t === 'events') {
              events[i]! += m.events.length;
              answerBatch(owner.ingestor, m, (r: ToWorker) => w.send(r));
            } else if (m.t === 'reject') owner.store.reject(m.reason);
            else if (m.t === 'clients') clients[i] = m.connected;
            else if (m.t === 'listening') resolve(m.port);
          });
          w.once('exit', (code) => reject(new Error(`MQTT worker ${i + 1} exited (${code}) before listening`)));
        }),
    ),
  );
  const s = opts.tls ? 's' : '';
  return {
    owner,
    mqttUrl: `mqtt${s}://${host}:${ports[0]}`,
    httpUrl: owner.httpUrl,
    mqttClients: () => clients.reduce((a, b) => a + b, 0),
    eventsPerWorker: () => [...events],
    async close() {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              w.once('exit', () => resolve());
              w.send({ t: 'stop' } satisfies ToWorker);
            }),
        ),
      );
      await owner.close();
    },
  };
}
