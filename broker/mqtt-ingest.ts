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

/**
 * A client id becomes a topic level (fleetsim/rejections/<clientId>) and, with a fleet token, a
 * device id: one with a wildcard, a '/' or a leading '$' would subscribe to other clients'
 * rejections or to broker topics ([MQTT-4.7.1], §4.7.2), so it is refused at CONNECT.
 */
export function clientIdProblem(id: string): string | undefined {
  if (/[#+/]/.test(id)) return `client id ${JSON.stringify(shortName(id))} contains '#', '+' or '/'`;
  if (id.startsWith('$')) return `client id ${JSON.stringify(shortName(id))} starts with '$'`;
  if (/[\u0000-\u001f\u007f]/.test(id)) return 'client id contains a control character';
  return undefined;
}

/**
 * aedes error carrying a CONNACK return code (MQTT 3.1.1 §3.2.2.3: 2 identifier rejected,
 * 4 bad credentials, 5 not authorized).
 */
function connackError(message: string, returnCode: 2 | 4 | 5): Error & { returnCode: 2 | 4 | 5 } {
  return Object.assign(new Error(message), { returnCode });
}

/** Where a refused PUBLISH is redirected so that it is PUBACKed but never reaches a subscriber. */
const REFUSED_TOPIC = '$fleetsim/refused';

/** The embedded endpoint's broker and its fast path for status events. */
export interface IngestBroker {
  broker: Aedes;
  takeStatus: StatusTaker;
}

export async function createIngestBroker(d: MqttIngestDeps): Promise<IngestBroker> {
  const { store, ingestor, metrics, auth, log } = d;
  const clock = d.clock ?? systemClock;
  const broker = await Aedes.createBroker({
    maxClientsIdLength: 128,
    heartbeatInterval: 3_600_000,
    connectTimeout: d.connectTimeoutMs ?? DEFAULT_LIMITS.mqttConnectTimeoutMs,
  });
  const principals = new WeakMap<Client, Principal>();
  const refusals = new RefusalLog(log);

  /** The event on a status topic, or why it is refused: the ACL, the contract, the topic's ids. */
  function checkStatus(
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
    store.reject(reasonKey);
    const clientId = client?.id ?? '(broker)';
    refusals.log({ transport: 'mqtt', clientId, topic, field, reason });
    d.hooks?.onReject?.(clientId, topic, field, reason);
    broker.publish(
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

  broker.authenticate = (client, username, password, done) => {
    const idProblem = clientIdProblem(client.id);
    if (idProblem) {
      metrics.authFailures++;
      log.warn({ transport: 'mqtt', clientId: shortName(client.id) }, `connection refused: ${idProblem}`);
      return done(connackError(`${idProblem}; use letters, digits and . _ : @ -`, 2), false);
    }
    const p = auth.mqtt(client.id, username, password?.toString('utf8'));
    if (!p) {
      metrics.authFailures++;
      log.warn(
        { transport: 'mqtt', clientId: client.id, username, hasPassword: Boolean(password) },
        'connection refused: credentials',
      );
      return done(
        connackError(
          username === undefined ? 'auth is on: send a username and password' : 'bad username or password',
          username === undefined ? 5 : 4,
        ),
        false,
      );
    }
    principals.set(client, p);
    done(null, true);
  };

  broker.authorizeSubscribe = (client, sub, done) => {
    const p = principals.get(client);
    // Without auth anyone may watch anything; with auth a device sees only its own rejections.
    if (!auth.enabled || p?.kind === 'admin' || sub.topic === rejectionTopic(client.id)) return done(null, sub);
    // A null subscription is a SUBACK failure (0x80, MQTT 3.1.1 §3.9.3); an error would drop the connection.
    log.warn(
      { transport: 'mqtt', clientId: client.id, topic: sub.topic },
      `subscription refused: a device may subscribe only to ${REJECTION_TOPIC_PREFIX}<its clientId>`,
    );
    done(null, null);
  };

  broker.authorizePublish = (client, packet, callback) => {
    const topic = packet.topic;
    if (topic.startsWith('$') || topic.startsWith(REJECTION_TOPIC_PREFIX)) {
      // The documented refusal (PUBACK, reason on the rejection topic), not a dropped connection.
      refuse(
        client,
        packet,
        'topic',
        `${shortName(topic.split('/')[0]!)}/ topics are the broker's; publish status events to devices/{deviceId}/apps/{appId}/status`,
        'acl',
      );
      return callback(null);
    }
    const where = parseStatusTopic(topic);
    const principal = client ? principals.get(client) : undefined;
    if (!where) {
      const presenceOf = parsePresenceTopic(topic);
      if (presenceOf !== undefined) {
        // A device's last will (online/offline): passed on, not ingested; only its own with auth on.
        if (auth.enabled && (!principal || !mayReportFor(principal, presenceOf))) {
          refuse(
            client,
            packet,
            'topic',
            `client "${client?.id}" may not publish the presence of device "${presenceOf}"`,
            'acl',
          );
        }
        return callback(null);
      }
      if (topic.startsWith('devices/')) {
        refuse(
          client,
          packet,
          'topic',
          `expected a status topic devices/{deviceId}/apps/{appId}/status, got ${JSON.stringify(shortName(topic))}`,
        );
        return callback(null);
      }
      // Not ours: ordinary MQTT traffic, allowed only when auth is off or for the admin.
      if (auth.enabled && principal?.kind !== 'admin') {
        refuse(client, packet, 'topic', `with auth on a device may publish only under devices/<its id>/`, 'acl');
        return callback(null);
      }
      return callback(null);
    }
    metrics.mqttPublishes++;
    const t0 = clock.now();
    const c = checkStatus(client, principal, topic, where, packet.payload as Buffer);
    if (!c.ok) {
      refuse(client, packet, c.field, c.reason, c.reasonKey);
      return callback(null);
    }
    ingestor.ingest(c.event, Math.floor(clock.now()), () => {
      metrics.ingest.record((clock.now() - t0) * 1000);
      callback(null);
    });
  };
  // Status events are for the endpoint, not for fan-out: only rejections reach subscribers.
  broker.authorizeForward = (_client, packet) =>
    packet.topic === REFUSED_TOPIC || parseStatusTopic(packet.topic) ? null : packet;

  /** The fast path (mqtt-fast-ingest.ts): an event that passes every check, ingested without aedes' pipeline. */
  const takeStatus: StatusTaker = (client, packet, done) => {
    const topic = packet.topic;
    // A wildcard in a PUBLISH topic is a protocol error aedes answers by closing the connection.
    if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) return false;
    const where = parseStatusTopic(topic);
    if (!where) return false;
    const t0 = clock.now();
    const c = checkStatus(client, principals.get(client), topic, where, packet.payload);
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
  return { broker, takeStatus };
}
