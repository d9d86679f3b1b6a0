/**
 * Builds one mqtt.js client: parses the target once, binds the socket to a chosen local address
 * through a stream builder (mqtt.js accepts one in `new MqttClient(builder, options)`), and
 * replaces mqtt.js's fixed reconnect period with exponential backoff and jitter.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import mqtt, { MqttClient, type IClientOptions, type Packet } from 'mqtt';
import { UsageError } from '../../protocol/errors.js';
import { backoffDelay, type BackoffOptions } from '../backoff.js';

export interface MqttTarget {
  protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss';
  host: string;
  port: number;
  url: string;
}

export function parseMqttTarget(url: string): MqttTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`MQTT target "${url}" is not a URL; expected mqtt://host:port.`);
  }
  const p = u.protocol.replace(':', '');
  const protocol = p === 'tcp' ? 'mqtt' : p === 'ssl' || p === 'tls' ? 'mqtts' : p;
  if (protocol !== 'mqtt' && protocol !== 'mqtts' && protocol !== 'ws' && protocol !== 'wss') {
    throw new UsageError(
      `MQTT target "${url}" has protocol ${u.protocol}; expected mqtt://, mqtts://, ws:// or wss://.`,
    );
  }
  const defaults = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 } as const;
  return { protocol, host: u.hostname, port: u.port ? Number(u.port) : defaults[protocol], url };
}

export interface ClientSpec {
  clientId: string;
  keepaliveSec: number;
  clean: boolean;
  connectTimeoutMs: number;
  username?: string | undefined;
  password?: string | undefined;
  /** Source address to bind (TCP and TLS targets). */
  localAddress?: string | undefined;
  will?: IClientOptions['will'];
  reconnect: BackoffOptions;
  /** Trust a self-signed certificate (tests, local brokers). @default false */
  insecureTls?: boolean;
  /** The target's CA bundle and this client's own certificate (mqtts, wss). */
  tls?: { ca?: Buffer | undefined; cert?: string | undefined; key?: string | undefined } | undefined;
  /** Extra headers on the WebSocket upgrade (ws, wss). */
  headers?: Record<string, string> | undefined;
  /** Told of every TCP socket the client opens (the fault proxy's port owners). */
  claim?: ((sock: Socket) => void) | undefined;
  /** Runs on every CONNACK after the first: the connection dropped and came back; `resumed` when
   * the broker still had the session. */
  onReconnected?: (resumed: boolean) => void;
}

type WithPrivateReconnect = { _clearReconnect(): void };

export function createMqttClient(target: MqttTarget, spec: ClientSpec): MqttClient {
  const options: IClientOptions = {
    clientId: spec.clientId,
    keepalive: spec.keepaliveSec,
    clean: spec.clean,
    connectTimeout: spec.connectTimeoutMs,
    reconnectPeriod: backoffDelay(0, spec.reconnect),
    protocolVersion: 4,
    ...(spec.username !== undefined ? { username: spec.username, password: spec.password } : {}),
    ...(spec.will ? { will: spec.will } : {}),
  };
  const tls = {
    rejectUnauthorized: !spec.insecureTls,
    ...(spec.tls?.ca ? { ca: spec.tls.ca } : {}),
    ...(spec.tls?.cert ? { cert: spec.tls.cert, key: spec.tls.key } : {}),
  };
  let client: MqttClient;
  if (target.protocol === 'mqtt' || target.protocol === 'mqtts') {
    const { host, port } = target;
    const local = spec.localAddress;
    const open =
      target.protocol === 'mqtt'
        ? () => netConnect({ host, port, ...(local ? { localAddress: local } : {}) })
        : () =>
            tlsConnect({
              host,
              port,
              // SNI carries host names only (RFC 6066)
              ...(isIP(host) ? {} : { servername: host }),
              ...tls,
              ...(local ? { localAddress: local } : {}),
            });
    const builder = () => {
      const sock = open();
      spec.claim?.(sock);
      return sock;
    };
    client = new MqttClient(builder, options);
  } else {
    client = mqtt.connect(target.url, {
      ...options,
      ...(target.protocol === 'wss' ? tls : {}),
      ...(spec.headers || spec.claim
        ? {
            wsOptions: {
              ...(spec.headers ? { headers: spec.headers } : {}),
              ...(spec.claim ? { createConnection: claimedSocket(target.protocol === 'wss', spec.claim) } : {}),
            },
          }
        : {}),
    });
  }
  let attempt = 0;
  let connectedOnce = false;
  client.on('reconnect', () => {
    // mqtt.js re-arms its reconnect interval only after it is cleared; clearing it here makes
    // the next failure use the new, longer period.
    attempt++;
    client.options.reconnectPeriod = backoffDelay(attempt, spec.reconnect);
    (client as unknown as WithPrivateReconnect)._clearReconnect();
  });
  client.on('connect', (packet) => {
    attempt = 0;
    client.options.reconnectPeriod = backoffDelay(0, spec.reconnect);
    if (connectedOnce) spec.onReconnected?.(packet.sessionPresent);
    connectedOnce = true;
  });
  markResendsDup(client);
  // Errors surface through the publish callbacks and deadlines; without a listener mqtt.js throws.
  client.on('error', () => undefined);
  return client;
}

/** The WebSocket's socket factory (ws's createConnection), the socket claimed as it is made. */
function claimedSocket(secure: boolean, claim: (sock: Socket) => void) {
  // ws calls it as net.connect or tls.connect, with the options it built
  const make = (opts: import('node:tls').ConnectionOptions) => {
    const sock = secure ? tlsConnect(opts) : netConnect(opts as import('node:net').NetConnectOpts);
    claim(sock);
    return sock;
  };
  return make as unknown as typeof netConnect;
}

/**
 * mqtt.js 5 resends a stored QoS > 0 publish after a reconnect exactly as it first wrote it, DUP
 * unset, where [MQTT-3.3.1-1] asks for DUP on every attempt after the first. Its outgoing store
 * keeps its own copy of each publish (the written packet is not the stored one), so marking the
 * stored copy once it has been written makes every later send of it carry the flag.
 */
function markResendsDup(client: MqttClient): void {
  client.on('packetsend', (p: Packet) => {
    if (p.cmd !== 'publish' || !p.qos || p.messageId === undefined) return;
    client.outgoingStore.get({ messageId: p.messageId } as Packet, (err, stored) => {
      if (!err && stored?.cmd === 'publish') stored.dup = true;
    });
  });
}
