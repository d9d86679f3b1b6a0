/**
 * The MQTT side of the embedded endpoint: an aedes broker whose authorizePublish hook ingests
 * status events before the PUBACK goes out, so an acknowledged event is a counted (and, with
 * --data-dir, journaled) event.
 *
 * MQTT 3.1.1 has no negative acknowledgement for PUBLISH, so a refused event is still PUBACKed
 * (as mosquitto does for an ACL denial); its reason is counted, logged and published on
 * fleetsim/rejections/<clientId> (docs/protocol.md), where the device may subscribe.
 */
import { type Clock, systemClock } from '../core/clock.js';
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import { parseEvent, shortName } from '../protocol/event.js';
import { parsePresenceTopic, parseStatusTopic, rejectionTopic, REJECTION_TOPIC_PREFIX } from '../protocol/topics.js';
import { mayReportFor, type Authenticator, type Principal } from './auth.js';
import { authenticateHook, authorizeSubscribeHook } from './mqtt-connect-auth.js';
import type { EndpointMetrics } from './endpoint-metrics.js';
import type { Admission } from './ingest-sink.js';
import type { Ingestor } from './ingestor.js';
import type { StatusTaker } from './mqtt-fast-ingest.js';
import { DEFAULT_LIMITS } from './limits.js';
import { RefusalLog } from './refusal-log.js';
import type { TallyStore } from './store.js';

export interface MqttIngestHooks {
  onReject?: (clientId: string, topic: string, field: string, reason: string) => void;
}

export interface MqttIngestDeps {
  store: TallyStore;
  ingestor: Ingestor;
  metrics: EndpointMetrics;
  auth: Authenticator;
  log: Logger;
  /** Time from the TCP connection to CONNECT. @default DEFAULT_LIMITS.mqttConnectTimeoutMs */
  connectTimeoutMs?: number;
  hooks?: MqttIngestHooks;
  /** Time of receipt and the ingest latency. @default systemClock */
  clock?: Clock;
}

/** Where a refused PUBLISH is redirected so that it is PUBACKed but never reaches a subscriber. */
const REFUSED_TOPIC = '$fleetsim/refused';

/** The embedded endpoint's broker and its fast path for status events. */
export interface IngestBroker {
  broker: Aedes;
  takeStatus: StatusTaker;
}

/** What the hooks share: the deps, the broker they answer for and each client's principal. */
interface IngestContext extends MqttIngestDeps {
  broker: Aedes;
  clock: Clock;
  principals: WeakMap<Client, Principal>;
  refusals: RefusalLog;
}

export async function createIngestBroker(d: MqttIngestDeps): Promise<IngestBroker> {
  const broker = await Aedes.createBroker({
    maxClientsIdLength: 128,
    heartbeatInterval: 3_600_000,
    connectTimeout: d.connectTimeoutMs ?? DEFAULT_LIMITS.mqttConnectTimeoutMs,
  });
  const ctx: IngestContext = {
    ...d,
    broker,
    clock: d.clock ?? systemClock,
    principals: new WeakMap<Client, Principal>(),
    refusals: new RefusalLog(d.log),
  };
  broker.authenticate = authenticateHook(ctx);
  broker.authorizeSubscribe = authorizeSubscribeHook(ctx);
  broker.authorizePublish = authorizePublishHook(ctx);
  // Status events are for the endpoint, not for fan-out: only rejections reach subscribers.
  broker.authorizeForward = (_client, packet) =>
    packet.topic === REFUSED_TOPIC || parseStatusTopic(packet.topic) ? null : packet;
  return { broker, takeStatus: statusTaker(ctx) };
}

/** The event on a status topic, or why it is refused: the ACL, the contract, the topic's ids. */
function checkStatus(
  { auth }: IngestContext,
  client: Client | null,
  principal: Principal | undefined,
  topic: string,
  where: { deviceId: string; appId: string },
  payload: Buffer,
): Admission {
  if (auth.enabled && (!principal || !mayReportFor(principal, where.deviceId))) {
    const as = principal?.kind === 'device' ? `device "${principal.deviceId}"` : (principal?.kind ?? 'nobody');
    return {
      ok: false,
      field: 'topic',
      reasonKey: 'acl',
      reason: `client "${client?.id}" is authenticated as ${as} and may not publish for device "${shortName(where.deviceId)}"`,
    };
  }
  const check = parseEvent(payload);
  if (!check.ok) return { ok: false, field: check.field, reason: check.reason, reasonKey: check.field };
  const e = check.event;
  if (e.deviceId !== where.deviceId || e.appId !== where.appId) {
    const field = e.deviceId !== where.deviceId ? 'deviceId' : 'appId';
    return {
      ok: false,
      field,
      reasonKey: field,
      reason: `payload ${field} "${field === 'deviceId' ? e.deviceId : e.appId}" does not match the topic ${JSON.stringify(shortName(topic))}`,
    };
  }
  return check;
}

/** Refuses a PUBLISH: counted, logged, explained on the rejection topic, then PUBACKed and dropped. */
function refuse(
  ctx: IngestContext,
  client: Client | null,
  packet: PublishPacket,
  field: string,
  reason: string,
  reasonKey = field,
): void {
  const topic = shortName(packet.topic);
  // aedes lets authorizePublish rewrite the packet: a '$' topic matches no wildcard subscription
  // (MQTT 3.1.1 §4.7.2) and authorizeForward drops it, so a refused event reaches nobody.
  packet.topic = REFUSED_TOPIC;
  packet.retain = false;
  ctx.store.reject(reasonKey);
  const clientId = client?.id ?? '(broker)';
  ctx.refusals.log({ transport: 'mqtt', clientId, topic, field, reason });
  ctx.hooks?.onReject?.(clientId, topic, field, reason);
  ctx.broker.publish(
    {
      cmd: 'publish',
      topic: rejectionTopic(clientId),
      qos: 0,
      retain: false,
      dup: false,
      payload: Buffer.from(JSON.stringify({ topic, field, reason })),
    } as AedesPublishPacket,
    () => undefined,
  );
}

/** Status events are checked and ingested before the PUBACK; other topics are passed on or refused. */
function authorizePublishHook(ctx: IngestContext): Aedes['authorizePublish'] {
  const { metrics, ingestor, clock, principals } = ctx;
  return (client, packet, callback) => {
    const topic = packet.topic;
    const where =
      topic.startsWith('$') || topic.startsWith(REJECTION_TOPIC_PREFIX) ? undefined : parseStatusTopic(topic);
    if (!where) {
      otherTopic(ctx, client, packet);
      return callback(null);
    }
    metrics.mqttPublishes++;
    const t0 = clock.now();
    const c = checkStatus(
      ctx,
      client,
      client ? principals.get(client) : undefined,
      topic,
      where,
      packet.payload as Buffer,
    );
    if (!c.ok) {
      refuse(ctx, client, packet, c.field, c.reason, c.reasonKey);
      return callback(null);
    }
    ingestor.ingest(c.event, Math.floor(clock.now()), () => {
      metrics.ingest.record((clock.now() - t0) * 1000);
      callback(null);
    });
  };
}

/** A PUBLISH to anything but a status topic: the broker's own topics, presence, a malformed
 * devices/ topic or ordinary MQTT traffic; each refusal is the documented one (PUBACK, reason
 * on the rejection topic), not a dropped connection. */
function otherTopic(ctx: IngestContext, client: Client | null, packet: PublishPacket): void {
  const { auth } = ctx;
  const topic = packet.topic;
  if (topic.startsWith('$') || topic.startsWith(REJECTION_TOPIC_PREFIX)) {
    const owner = shortName(topic.split('/')[0]!);
    const reason = `${owner}/ topics are the broker's; publish status events to devices/{deviceId}/apps/{appId}/status`;
    return refuse(ctx, client, packet, 'topic', reason, 'acl');
  }
  const principal = client ? ctx.principals.get(client) : undefined;
  const presenceOf = parsePresenceTopic(topic);
  if (presenceOf !== undefined) {
    // A device's last will (online/offline): passed on, not ingested; only its own with auth on.
    if (auth.enabled && (!principal || !mayReportFor(principal, presenceOf))) {
      const reason = `client "${client?.id}" may not publish the presence of device "${presenceOf}"`;
      refuse(ctx, client, packet, 'topic', reason, 'acl');
    }
    return;
  }
  if (topic.startsWith('devices/')) {
    const reason = `expected a status topic devices/{deviceId}/apps/{appId}/status, got ${JSON.stringify(shortName(topic))}`;
    return refuse(ctx, client, packet, 'topic', reason);
  }
  // Not ours: ordinary MQTT traffic, allowed only when auth is off or for the admin.
  if (auth.enabled && principal?.kind !== 'admin')
    refuse(ctx, client, packet, 'topic', `with auth on a device may publish only under devices/<its id>/`, 'acl');
}

/** The fast path (mqtt-fast-ingest.ts): an event that passes every check, ingested without aedes' pipeline. */
function statusTaker(ctx: IngestContext): StatusTaker {
  const { metrics, ingestor, clock, principals, broker } = ctx;
  return (client, packet, done) => {
    const topic = packet.topic;
    // A wildcard in a PUBLISH topic is a protocol error aedes answers by closing the connection.
    if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) return false;
    const where = parseStatusTopic(topic);
    if (!where) return false;
    const t0 = clock.now();
    const c = checkStatus(ctx, client, principals.get(client), topic, where, packet.payload);
    // A refusal goes aedes' way, where authorizePublish counts, logs and explains it.
    if (!c.ok) return false;
    metrics.mqttPublishes++;
    metrics.mqttFastIngested++;
    ingestor.ingest(c.event, Math.floor(clock.now()), () => {
      metrics.ingest.record((clock.now() - t0) * 1000);
      // aedes' 'publish' event (the embedded endpoint's broker is in its API), only when listened to
      if (broker.listenerCount('publish') > 0) broker.emit('publish', packet as unknown as AedesPublishPacket, client);
      done();
    });
    return true;
  };
}
