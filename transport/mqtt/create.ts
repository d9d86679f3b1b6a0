/** Builds the MQTT transport (mqtt.js clients, or the lean connection) from its validated options
 * and the run's auth. */
import { parseDuration } from '../../core/delay.js';
import { UsageError } from '../../protocol/errors.js';
import { mqttCredentials } from '../credentials.js';
import { parseLocalAddresses, parseTargetAddresses } from '../kinds/local-address.js';
import type { Transport, TransportContext } from '../types.js';
import { LeanMqttTransport } from '../mqtt-lean/lean.js';
import { MqttTransport } from './mqtt.js';

export function createMqttTransport({ url, options: o, auth, wiring: w, device }: TransportContext<'mqtt'>): Transport {
  if (auth && o.sharedConnections !== undefined) {
    throw new UsageError(
      "Shared MQTT connections carry many devices under one client id, which the endpoint's auth refuses (a device may publish only as itself): drop sharedConnections, or turn auth off.",
    );
  }
  const common = {
    url,
    qos: o.qos,
    keepaliveSec: o.keepalive,
    clean: o.cleanSession,
    ackTimeoutMs: parseDuration(o.ackTimeout)!,
    ...(o.localAddress ? { localAddresses: parseLocalAddresses(o.localAddress) } : {}),
    ...(o.sharedConnections !== undefined ? { sharedConnections: o.sharedConnections } : {}),
    ...(auth ? { credentials: (clientId: string) => mqttCredentials(auth, clientId) } : {}),
  };
  // a target of the user's own: topics per event (send's route), TLS identities, patterns, headers
  const target = {
    ...(w?.tls ? { tls: w.tls } : {}),
    ...(w?.clientIdFor ? { clientIdFor: w.clientIdFor } : {}),
    ...(w?.deviceCredentials ? { deviceCredentials: w.deviceCredentials } : {}),
    ...(w?.will !== undefined ? { will: w.will } : {}),
    ...(w?.headers ? { headers: w.headers } : {}),
  };
  if (o.client === 'lean')
    return new LeanMqttTransport({
      ...common,
      ...target,
      ...(o.maxConnecting !== undefined ? { maxConnecting: o.maxConnecting } : {}),
      ...(o.targetAddress ? { targetAddresses: parseTargetAddresses(o.targetAddress) } : {}),
      ...(device?.offlineQueue ? { offlineQueue: device.offlineQueue } : {}),
      ...(device?.portOwners ? { portOwners: device.portOwners } : {}),
    });
  return new MqttTransport({
    ...common,
    ...target,
    ...(device?.offlineQueue ? { offlineQueue: device.offlineQueue } : {}),
    ...(device?.portOwners ? { portOwners: device.portOwners } : {}),
  });
}
