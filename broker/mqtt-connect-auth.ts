/**
 * Who may connect to the embedded endpoint's broker and what they may subscribe to: the client id
 * check and the credentials at CONNECT (refusals carry a CONNACK return code), and the rule that,
 * with auth on, a device watches only its own rejections.
 */
import type { Aedes, Client } from 'aedes';
import type { Logger } from 'pino';
import { shortName } from '../protocol/event.js';
import { rejectionTopic, REJECTION_TOPIC_PREFIX } from '../protocol/topics.js';
import type { Authenticator, Principal } from './auth.js';
import type { EndpointMetrics } from './endpoint-metrics.js';

/** What the connect and subscribe hooks read, and where CONNECT leaves each client's principal. */
export interface ConnectAuthDeps {
  auth: Authenticator;
  metrics: EndpointMetrics;
  log: Logger;
  principals: WeakMap<Client, Principal>;
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

export function authenticateHook({ auth, metrics, log, principals }: ConnectAuthDeps): Aedes['authenticate'] {
  return (client, username, password, done) => {
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
}

export function authorizeSubscribeHook({ auth, log, principals }: ConnectAuthDeps): Aedes['authorizeSubscribe'] {
  return (client, sub, done) => {
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
}
