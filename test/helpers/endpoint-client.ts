/** Small clients for endpoint tests: JSON over HTTP (undici) and MQTT (mqtt.js), real sockets. */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { type Agent, request } from 'undici';
import type { AppTallies } from '../../protocol/tally.js';

export interface JsonReply {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

export async function postJson(
  base: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  dispatcher?: Agent,
): Promise<JsonReply> {
  const res = await request(new URL(path, base), {
    method: 'POST',
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
    ...(dispatcher ? { dispatcher } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export async function getJson(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  dispatcher?: Agent,
): Promise<JsonReply> {
  const res = await request(new URL(path, base), { headers, ...(dispatcher ? { dispatcher } : {}) });
  const text = await res.body.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (e.g. /metrics)
  }
  return { status: res.statusCode, body, headers: res.headers };
}

export async function tallies(base: string, appId: string): Promise<AppTallies> {
  return (await getJson(base, `/v1/apps/${encodeURIComponent(appId)}/tallies`)).body as AppTallies;
}

/**
 * Connects and resolves on CONNACK; rejects on a refused connection, and on one that closes
 * before its CONNACK (a broker killed mid-handshake): mqtt.js then emits 'close' and no 'error',
 * so waiting for an error alone hangs the caller for good.
 */
export function connectMqtt(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 10_000, ...opts });
    const fail = (err: Error) => {
      c.end(true);
      reject(err);
    };
    const closedEarly = () => fail(new Error(`${url} closed the connection before its CONNACK`));
    c.once('connect', () => {
      c.off('close', closedEarly);
      resolve(c);
    });
    c.once('error', fail);
    if (!c.options.reconnectPeriod) c.once('close', closedEarly);
  });
}

export function publish(c: MqttClient, topic: string, payload: string | Buffer, qos: 0 | 1 = 1): Promise<void> {
  return new Promise((resolve, reject) => c.publish(topic, payload, { qos }, (err) => (err ? reject(err) : resolve())));
}

/** Subscribes and returns a function that waits for the next message on the topic. */
export async function watch(c: MqttClient, topic: string): Promise<() => Promise<any>> {
  const queue: any[] = [];
  const waiters: ((m: any) => void)[] = [];
  c.on('message', (t, payload) => {
    if (t !== topic) return;
    const m = JSON.parse(payload.toString());
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  await c.subscribeAsync(topic, { qos: 0 });
  return () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r)));
}
