/**
 * Three MQTT brokers for the connection conformance suite, each started by the test on free ports
 * in a temp dir and stopped by it: aedes (our endpoint), mosquitto (Debian's), and RabbitMQ's MQTT
 * plugin (a private node of Debian's rabbitmq-server). Each offers plain TCP, TLS (a throwaway
 * self-signed certificate) and WebSocket. A broker that cannot start says why in `skip`.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startEndpoint } from '../../broker/endpoint.js';
import { selfSignedCert } from './tls-cert.js';

export type Seen = (topic: string, payload: string) => void;

export interface BrokerUnderTest {
  name: string;
  mqtt: string;
  mqtts: string;
  ws: string;
  /** Calls `seen` for every message the broker accepts from now on (status events and wills). */
  watch(seen: Seen): Promise<void>;
  close(): Promise<void>;
}

/** A broker that fans out: an mqtt.js subscriber to devices/# sees what it accepted. */
function subscriberWatch(url: string, name: string): { watch(seen: Seen): Promise<void>; end(): Promise<void> } {
  let sub: mqtt.MqttClient | undefined;
  return {
    async watch(seen) {
      sub = await mqtt.connectAsync(url, { clientId: `observer-${process.pid}-${name}`, reconnectPeriod: 0 });
      await sub.subscribeAsync('devices/#', { qos: 1 });
      sub.on('message', (topic, payload) => seen(topic, String(payload)));
    },
    async end() {
      await sub?.endAsync(true);
    },
  };
}

/** The temp dir and the key readable by a broker that drops root for its own user (mosquitto, rabbitmq). */
function certFor(dir: string) {
  chmodSync(dir, 0o755);
  const cert = selfSignedCert(dir);
  chmodSync(cert.keyPath, 0o644);
  return cert;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function accepting(port: number, tries: number, everyMs: number): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return false;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
}

export async function startAedes(): Promise<BrokerUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-aedes-'));
  const plain = await startEndpoint({});
  const tls = await startEndpoint({ tls: selfSignedCert(dir), websocket: false });
  return {
    name: 'aedes',
    mqtt: plain.mqttUrl,
    mqtts: tls.mqttUrl,
    ws: plain.wsUrl!,
    // Our endpoint does not fan status events out to subscribers: watch its brokers' publish events.
    async watch(seen) {
      for (const e of [plain, tls])
        e.broker.on('publish', (packet, client) => {
          if (client) seen(packet.topic, String(packet.payload));
        });
    },
    async close() {
      await plain.close();
      await tls.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const MOSQUITTO = '/usr/sbin/mosquitto';

export async function startMosquitto(): Promise<BrokerUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-mosquitto-'));
  const cert = certFor(dir);
  const [p, s, w] = [await freePort(), await freePort(), await freePort()];
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      'per_listener_settings false',
      'allow_anonymous true',
      'max_inflight_messages 0',
      'persistence false',
      `listener ${p} 127.0.0.1`,
      `listener ${s} 127.0.0.1`,
      `certfile ${cert.certPath}`,
      `keyfile ${cert.keyPath}`,
      `listener ${w} 127.0.0.1`,
      'protocol websockets',
      '',
    ].join('\n'),
  );
  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
  if (!(await accepting(w, 100, 50))) {
    child.kill('SIGTERM');
    throw new Error('mosquitto did not start');
  }
  const observer = subscriberWatch(`mqtt://127.0.0.1:${p}`, 'mosquitto');
  return {
    name: 'mosquitto',
    mqtt: `mqtt://127.0.0.1:${p}`,
    mqtts: `mqtts://127.0.0.1:${s}`,
    ws: `ws://127.0.0.1:${w}/`,
    watch: observer.watch,
    async close() {
      await observer.end();
      child.kill('SIGTERM');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const RABBIT = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const RABBIT_PLUGINS = '/usr/lib/rabbitmq/bin/rabbitmq-plugins';

function epmd(): string | undefined {
  const base = '/usr/lib/erlang';
  try {
    const erts = execFileSync('sh', ['-c', `ls -d ${base}/erts-*/bin/epmd | head -1`], { encoding: 'utf8' }).trim();
    return erts || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A private RabbitMQ node: its own node name, ports (AMQP, distribution, epmd), data, logs and
 * enabled-plugins file in a temp dir, the MQTT and Web MQTT plugins on free ports. It runs as
 * root here, which RabbitMQ allows when started through its own script rather than Debian's wrapper.
 */
export async function startRabbit(): Promise<BrokerUnderTest> {
  if (!existsSync(RABBIT)) throw new Error(`${RABBIT} is not installed (apt-get install rabbitmq-server)`);
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-rabbit-'));
  const cert = certFor(dir);
  const [amqp, dist, epmdPort, p, s, w] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${amqp}`,
      'loopback_users = none',
      `mqtt.listeners.tcp.default = 127.0.0.1:${p}`,
      `mqtt.listeners.ssl.default = 127.0.0.1:${s}`,
      'mqtt.allow_anonymous = true',
      `ssl_options.cacertfile = ${cert.certPath}`,
      `ssl_options.certfile = ${cert.certPath}`,
      `ssl_options.keyfile = ${cert.keyPath}`,
      `web_mqtt.tcp.port = ${w}`,
      'web_mqtt.tcp.ip = 127.0.0.1',
      '',
    ].join('\n'),
  );
  const env = {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: `fleetsim-${process.pid}-${amqp}@localhost`,
    RABBITMQ_NODE_PORT: `${amqp}`,
    RABBITMQ_DIST_PORT: `${dist}`,
    ERL_EPMD_PORT: `${epmdPort}`,
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_PID_FILE: join(dir, 'rabbit.pid'),
  };
  execFileSync(RABBIT_PLUGINS, ['enable', '--offline', 'rabbitmq_mqtt', 'rabbitmq_web_mqtt'], { env, stdio: 'ignore' });
  const child = spawn(RABBIT, [], { env, stdio: 'ignore' });
  const stop = async () => {
    const pid = existsSync(env.RABBITMQ_PID_FILE) ? Number(readFileSync(env.RABBITMQ_PID_FILE, 'utf8').trim()) : 0;
    if (pid) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    child.kill('SIGTERM');
    await exited(child);
    // The node started its own epmd on a port of ours; it ends when asked on that port.
    const e = epmd();
    if (e) {
      try {
        execFileSync(e, ['-kill'], { env, stdio: 'ignore' });
      } catch {
        // no epmd left
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A cold node takes 10-30 s on this machine; the MQTT port opens last.
  if (!(await accepting(p, 240, 250))) {
    await stop();
    throw new Error('the RabbitMQ node did not open its MQTT port within 60 s');
  }
  const observer = subscriberWatch(`mqtt://127.0.0.1:${p}`, 'rabbitmq');
  return {
    name: 'rabbitmq',
    mqtt: `mqtt://127.0.0.1:${p}`,
    mqtts: `mqtts://127.0.0.1:${s}`,
    ws: `ws://127.0.0.1:${w}/ws`,
    watch: observer.watch,
    async close() {
      await observer.end();
      await stop();
    },
  };
}
