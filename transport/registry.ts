/**
 * Builds the transport a run uses from the scenario's `load` tuning and the command-line flags
 * (flags win), so the runner and the workers build exactly the same one.
 */
import { parseDuration } from '../core/delay.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { HttpTransport } from './http/http.js';
import { parseLocalAddresses } from './local-address.js';
import { MqttTransport } from './mqtt/mqtt.js';
import { LeanMqttTransport } from './mqtt-lean/lean.js';
import type { Transport } from './types.js';
import { httpBearer, mqttCredentials, type RunAuth } from './credentials.js';
import { UsageError } from '../protocol/errors.js';

/** Command-line overrides of the scenario's transport tuning. */
export interface TransportFlags {
  qos?: 0 | 1 | 2;
  /** "127.0.0.1-127.0.0.8" */
  localAddress?: string;
  sharedConnections?: number;
  connections?: number;
  pipelining?: number;
  batch?: number;
  /** Which MQTT device connection to use. */
  mqttClient?: 'mqtt.js' | 'lean';
}

export function createTransport(
  kind: 'mqtt' | 'http',
  url: string,
  scenario: Scenario,
  flags: TransportFlags = {},
  auth?: RunAuth,
): Transport {
  if (kind === 'http') {
    const h = scenario.load?.http ?? {};
    const connections = flags.connections ?? h.connections;
    const pipelining = flags.pipelining ?? h.pipelining;
    const batch = flags.batch ?? h.batch;
    return new HttpTransport({
      url,
      ...(connections !== undefined ? { connections } : {}),
      ...(pipelining !== undefined ? { pipelining } : {}),
      ...(batch !== undefined ? { batch } : {}),
      ...(auth
        ? auth.mode === 'device'
          ? { bearerFor: (id: string) => httpBearer(auth, id) }
          : { token: auth.secret }
        : {}),
    });
  }
  const m = scenario.load?.mqtt ?? {};
  const local = flags.localAddress ?? m.localAddress;
  const shared = flags.sharedConnections ?? m.sharedConnections;
  if (auth && shared !== undefined) {
    throw new UsageError(
      "Shared MQTT connections carry many devices under one client id, which the endpoint's auth refuses (a device may publish only as itself): drop sharedConnections, or turn auth off.",
    );
  }
  const common = {
    url,
    qos: flags.qos ?? scenario.qos,
    ...(m.keepalive !== undefined ? { keepaliveSec: m.keepalive } : {}),
    ...(m.cleanSession !== undefined ? { clean: m.cleanSession } : {}),
    ...(local ? { localAddresses: parseLocalAddresses(local) } : {}),
    ...(shared !== undefined ? { sharedConnections: shared } : {}),
    ...(m.ackTimeout !== undefined ? { ackTimeoutMs: parseDuration(m.ackTimeout)! } : {}),
    ...(auth ? { credentials: (clientId: string) => mqttCredentials(auth, clientId) } : {}),
  };
  if ((flags.mqttClient ?? m.client) === 'lean') {
    return new LeanMqttTransport({
      ...common,
      ...(m.maxConnecting !== undefined ? { maxConnecting: m.maxConnecting } : {}),
    });
  }
  return new MqttTransport(common);
}
