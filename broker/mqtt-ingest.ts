/**
 * The MQTT side of the embedded endpoint: an aedes broker whose authorizePublish hook ingests
 * status events before the PUBACK goes out, so an acknowledged event is a counted event.
 * MQTT 3.1.1 has no negative acknowledgement, so a refused event is still PUBACKed; its reason
 * is counted and published on fleetsim/rejections/<clientId> (docs/protocol.md).
 */
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import { parseEvent } from '../protocol/event.js';
import { parseStatusTopic, rejectionTopic } from '../protocol/topics.js';
import type { TallyStore } from './store.js';

export interface MqttIngestHooks {
  onReject?: (clientId: string, topic: string, field: string, reason: string) => void;
}

export async function createIngestBroker(store: TallyStore, hooks: MqttIngestHooks = {}): Promise<Aedes> {
  const broker = await Aedes.createBroker({ maxClientsIdLength: 128, heartbeatInterval: 3_600_000 });

  function refuse(client: Client | null, topic: string, field: string, reason: string): void {
    store.reject(field);
    const clientId = client?.id ?? '(broker)';
    hooks.onReject?.(clientId, topic, field, reason);
    broker.publish({
      cmd: 'publish', topic: rejectionTopic(clientId), qos: 0, retain: false, dup: false,
      payload: Buffer.from(JSON.stringify({ topic, field, reason })),
    } as AedesPublishPacket, () => undefined);
  }

  broker.authorizePublish = (client, packet, callback) => {
    const topic = packet.topic;
    if (topic.startsWith('$SYS/')) return callback(new Error('$SYS/ topic is reserved'));
    const where = parseStatusTopic(topic);
    if (!where) return callback(null);
    const check = parseEvent(packet.payload as Buffer);
    if (!check.ok) {
      refuse(client, topic, check.field, check.reason);
      return callback(null);
    }
    const e = check.event;
    if (e.deviceId !== where.deviceId || e.appId !== where.appId) {
      const field = e.deviceId !== where.deviceId ? 'deviceId' : 'appId';
      refuse(client, topic, field, `payload ${field} "${field === 'deviceId' ? e.deviceId : e.appId}" does not match the topic ${topic}`);
      return callback(null);
    }
    store.ingest(e);
    callback(null);
  };
  // Status events are for the endpoint, not for fan-out: only rejections reach subscribers.
  broker.authorizeForward = (_client, packet) => (parseStatusTopic(packet.topic) ? null : packet);
  return broker;
}
