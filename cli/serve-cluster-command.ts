/**
 * `fleetsim serve --workers N`: the endpoint with its MQTT side in N worker processes sharing the
 * port and one owner of the tallies (broker/cluster.ts). Same flags and shutdown as `serve`.
 */
import { pino } from 'pino';
import { startCluster } from '../broker/cluster.js';
import type { AuthConfig } from '../broker/auth.js';
import { EndpointConfigError } from '../protocol/errors.js';
import { compactBytes, loadAuthFile, type ServeArgs } from './serve-command.js';

export async function serveClusterCommand(a: ServeArgs & { workers: number }): Promise<number> {
  const log = pino({ level: a.logLevel, base: { app: 'fleetsim-serve' } });
  if (Boolean(a.tlsCert) !== Boolean(a.tlsKey))
    throw new EndpointConfigError(
      '--tls-cert and --tls-key go together: give both (PEM files) for mqtts/https, or neither.',
    );
  const auth: AuthConfig = a.authFile ? loadAuthFile(a.authFile) : {};
  const fleetToken = a.fleetToken ?? process.env.FLEETSIM_FLEET_TOKEN;
  if (fleetToken) auth.fleetToken = fleetToken;
  const { readFileSync } = await import('node:fs');
  const c = await startCluster({
    workers: a.workers,
    mqttPort: a.mqttPort,
    httpPort: a.httpPort,
    host: a.host,
    websocket: a.websocket,
    logger: log,
    auth,
    workerLogLevel: a.logLevel === 'info' ? 'warn' : a.logLevel,
    ...(a.tlsCert && a.tlsKey
      ? {
          tls: { cert: readFileSync(a.tlsCert), key: readFileSync(a.tlsKey) },
          tlsCertPath: a.tlsCert,
          tlsKeyPath: a.tlsKey,
        }
      : {}),
    ...(a.dataDir ? { dataDir: a.dataDir, compactBytes: compactBytes(a.compactMb) } : {}),
  });
  log.info({ mqtt: c.mqttUrl, direct: c.directUrls(), http: c.httpUrl, workers: a.workers }, 'cluster listening');
  // fleetsim run finds the direct listeners at /v1/cluster itself; other clients may be given them
  const direct = c.directUrls().map((u) => new URL(u).port);
  process.stderr.write(
    `fleetsim serve: MQTT ${c.mqttUrl} (${a.workers} worker processes; each also on its own port: ${direct.join(', ')})  HTTP ${c.httpUrl} (tallies owner)  cluster ${c.httpUrl}/v1/cluster\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log.info({ signal }, 'shutting down');
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(130));
  await c.close();
  process.stderr.write(`fleetsim serve: stopped; ${c.owner.store.counters.accepted} events accepted\n`);
  return 0;
}
