/**
 * `fleetsim serve`: the embedded endpoint alone, for other tools to hit. JSON logs (pino) go to
 * stdout, a short banner to stderr. SIGINT/SIGTERM stop it cleanly: no new events, what is in
 * flight is acknowledged once durable, the journal is closed; a second signal exits at once.
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { startEndpoint, type TlsFiles } from '../broker/endpoint.js';
import type { AuthConfig } from '../broker/auth.js';
import { EndpointConfigError, UsageError } from '../protocol/errors.js';

export interface ServeArgs {
  mqttPort: number;
  httpPort: number;
  host: string;
  dataDir?: string | undefined;
  /** Journal compaction threshold in MiB. @default 64 */
  compactMb?: number | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  authFile?: string | undefined;
  fleetToken?: string | undefined;
  websocket: boolean;
  logLevel: string;
}

function readFileFor(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new EndpointConfigError(
      `${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Give a PEM file, e.g. one made by: openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -subj /CN=localhost`,
    );
  }
}

/** Reads and checks an auth file (docs/endpoint.md, "Security"), naming the field that is wrong. */
export function loadAuthFile(path: string): AuthConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new EndpointConfigError(
      `--auth-file ${path}: ${(err as Error).message}. Expected JSON such as {"fleetToken": "...", "deviceSecret": "...", "devices": {"ios-000001": "password"}, "adminToken": "..."}.`,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new EndpointConfigError(`--auth-file ${path}: expected a JSON object.`);
  const cfg: AuthConfig = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'fleetToken' || k === 'deviceSecret' || k === 'adminToken') {
      if (typeof v !== 'string' || v.length < 8)
        throw new EndpointConfigError(`--auth-file ${path}: ${k}: expected a string of at least 8 characters.`);
      cfg[k] = v;
    } else if (k === 'devices') {
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        throw new EndpointConfigError(`--auth-file ${path}: devices: expected an object of deviceId -> password.`);
      for (const [id, pw] of Object.entries(v)) {
        if (typeof pw !== 'string' || pw.length === 0 || pw.includes('.'))
          throw new EndpointConfigError(
            `--auth-file ${path}: devices.${id}: expected a non-empty password without "." (the HTTP token is <deviceId>.<password>).`,
          );
      }
      cfg.devices = v as Record<string, string>;
    } else {
      throw new EndpointConfigError(
        `--auth-file ${path}: ${k}: unknown field; expected fleetToken, deviceSecret, devices, adminToken.`,
      );
    }
  }
  return cfg;
}

/** --compact-mb as bytes, checked. */
export function compactBytes(mb: number | undefined): number {
  const v = mb ?? 64;
  if (!Number.isFinite(v) || v <= 0)
    throw new UsageError(`--compact-mb: expected a number of MiB > 0, got ${JSON.stringify(mb)}.`);
  return Math.round(v * 1024 * 1024);
}

export async function serveCommand(a: ServeArgs): Promise<number> {
  const log = pino({ level: a.logLevel, base: { app: 'fleetsim-serve' } });
  if (Boolean(a.tlsCert) !== Boolean(a.tlsKey))
    throw new EndpointConfigError(
      '--tls-cert and --tls-key go together: give both (PEM files) for mqtts/https, or neither.',
    );
  const tls: TlsFiles | undefined =
    a.tlsCert && a.tlsKey
      ? { cert: readFileFor('--tls-cert', a.tlsCert), key: readFileFor('--tls-key', a.tlsKey) }
      : undefined;
  const auth: AuthConfig = a.authFile ? loadAuthFile(a.authFile) : {};
  const fleetToken = a.fleetToken ?? process.env.FLEETSIM_FLEET_TOKEN;
  if (fleetToken) auth.fleetToken = fleetToken;

  const endpoint = await startEndpoint({
    mqttPort: a.mqttPort,
    httpPort: a.httpPort,
    host: a.host,
    websocket: a.websocket,
    logger: log,
    auth,
    ...(tls ? { tls } : {}),
    ...(a.dataDir ? { dataDir: a.dataDir, compactBytes: compactBytes(a.compactMb) } : {}),
  });
  process.stderr.write(
    `fleetsim serve: MQTT ${endpoint.mqttUrl}  HTTP ${endpoint.httpUrl}${endpoint.wsUrl ? `  WS ${endpoint.wsUrl}` : ''}` +
      `${a.dataDir ? `  journal ${a.dataDir} (${endpoint.replayed} events replayed)` : ''}  live page ${endpoint.httpUrl}/\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    // One listener for good: between two `once` listeners a second signal would find none and
    // kill the process the default way, mid-shutdown.
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (!stopping) {
        stopping = true;
        return resolve(sig);
      }
      log.warn({ signal: sig }, 'second signal: exiting without waiting');
      process.exit(130);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  log.info({ signal }, 'shutting down');
  await endpoint.close();
  process.stderr.write(`fleetsim serve: stopped; ${endpoint.store.counters.accepted} events accepted\n`);
  return 0;
}
