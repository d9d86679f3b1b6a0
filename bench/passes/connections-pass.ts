/**
 * Memory per connected MQTT device, one kind of connection per pass: N device connections from
 * this process (clientId = device id, QoS 1, last will, keepalive 600 s), each sends one event and
 * stays connected; settled heap and RSS before and after. One process may open 20,000 files here,
 * so N stays below 19,000.
 *
 * `socket` is the floor under any client written in Node: a bare net.Socket per device writing a
 * prebuilt CONNECT and one QoS 1 PUBLISH and reading its PUBACK, no client object around it.
 *
 *   node --expose-gc dist/bench/passes/connections-pass.js --kind fleetsim|lean|bare|socket --target mqtt://... --peer-pid N [--devices 10000]
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { getHeapSpaceStatistics } from 'node:v8';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { createTransport } from '../../transport/registry.js';
import { benchScenario } from '../bench-fleet.js';
import { pidRss } from '../method/cpu.js';
import { report } from '../method/pass.js';
import { argOf, argText } from '../method/stats.js';

interface Settled {
  heap: number;
  /** The V8 heap's committed pages: what the heap holds in RSS. */
  heapTotal: number;
  /** Memory outside the V8 heap that JS objects own (Buffers' backing stores among it). */
  external: number;
  rss: number;
  /** Where the RSS is: the V8 young generation's resident pages (a per-process cost that grows
   * with what survives scavenges, up to twice --max-semi-space-size), the rest of the V8 heap's,
   * anonymous memory outside V8 (malloc: libuv handles, Node's C++ socket objects, buffers'
   * backing stores, free chunks not returned), and file-backed pages (the node binary, libraries). */
  young: number;
  v8Old: number;
  native: number;
  file: number;
}

/** Resident anonymous bytes of this process (the rest of its RSS is file-backed). */
function anonymousRss(): number {
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
  return Number(/^Anonymous:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) * 1024;
}

function measure(): Settled {
  const m = process.memoryUsage();
  let young = 0;
  let v8 = 0;
  for (const space of getHeapSpaceStatistics()) {
    v8 += space.physical_space_size;
    if (space.space_name.startsWith('new_')) young += space.physical_space_size;
  }
  const anon = anonymousRss();
  return {
    heap: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    rss: m.rss,
    young,
    v8Old: v8 - young,
    native: anon - v8,
    file: m.rss - anon,
  };
}

/** Below this the young generation has been shrunk: the process is quiet. */
const QUIET_YOUNG = 2 * 2 ** 20;

/**
 * The process settled with its devices connected and idle, as it is between their reports: full
 * GCs, and time for V8 to shrink the young generation once allocation goes quiet (it grows to
 * 32 MB while thousands of connections are made and their objects survive scavenges, then falls
 * to a few hundred KB). V8 shrinks it only while it sees allocation low but not nil, so a little
 * garbage is made between the GCs, as the timers of an idle client make. Measured before and
 * after alike, so the difference holds what the devices keep, not where the young generation
 * happened to be. Bounded: after 20 s it measures whatever the young generation is (the record
 * shows it).
 */
async function settled(): Promise<Settled> {
  const gc = (globalThis as { gc?: () => void }).gc;
  let m = measure();
  let litter: unknown[] = [];
  for (let i = 0; i < 20; i++) {
    for (let k = 0; k < 1000; k++) litter.push({ k });
    await new Promise((r) => setTimeout(r, 1_000));
    litter = [];
    gc?.();
    gc?.();
    m = measure();
    if (i >= 1 && m.young <= QUIET_YOUNG) break;
  }
  return m;
}

const n = Math.min(argOf('devices', 10_000), 19_000);
const kind = argText('kind', 'fleetsim');
const url = argText('target', '');
const body = '{}';
const idOf = (i: number) => `conn-${String(i).padStart(6, '0')}`;

type Sender = (id: string) => Promise<boolean>;
let close: () => Promise<void>;
let send: Sender;
if (kind === 'socket') {
  const sockets: Socket[] = [];
  const { hostname, port } = new URL(url);
  send = (id) =>
    new Promise((resolve) => {
      const connectFrame = mqttPacket.generate({ cmd: 'connect', clientId: id, keepalive: 600, clean: true } as never);
      const publish = mqttPacket.generate({
        cmd: 'publish',
        topic: `devices/${id}/apps/app/status`,
        payload: Buffer.from(body),
        qos: 1,
        messageId: 1,
      } as never);
      const s = netConnect({ host: hostname, port: Number(port) }, () =>
        s.write(Buffer.concat([connectFrame, publish])),
      );
      sockets.push(s);
      let seen = 0;
      s.on('data', (b: Buffer) => {
        // CONNACK (4 bytes) then PUBACK (4 bytes)
        seen += b.length;
        if (seen >= 8) resolve(true);
      });
      s.on('error', () => resolve(false));
    });
  close = async () => {
    for (const s of sockets) s.destroy();
  };
} else if (kind === 'bare') {
  const clients: mqtt.MqttClient[] = [];
  send = async (id) => {
    const c = mqtt.connect(url, {
      clientId: id,
      keepalive: 600,
      reconnectPeriod: 0,
      will: { topic: `devices/${id}/presence`, payload: Buffer.from('{}'), qos: 1, retain: false },
    });
    clients.push(c);
    try {
      await c.publishAsync(`devices/${id}/apps/app/status`, body, { qos: 1 });
      return true;
    } catch {
      return false;
    }
  };
  close = async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
  };
} else {
  const scenario = benchScenario(4, 'mqtt', 256);
  const t = createTransport('mqtt', url, scenario, { client: kind === 'lean' ? 'lean' : 'mqtt.js' });
  await t.preflight();
  send = (id) => new Promise((r) => t.send(id, 'app', body, (err) => r(!err)));
  close = () => t.close();
}

const peer = argOf('peer-pid', 0);
const before = await settled();
const brokerBefore = pidRss(peer);
let failed = 0;
for (let i = 0; i < n; i += 500) {
  const batch = Array.from({ length: Math.min(500, n - i) }, (_, k) => send(idOf(i + k)));
  for (const ok of await Promise.all(batch)) if (!ok) failed++;
}
const after = await settled();
const brokerAfter = pidRss(peer);
await close();
const grown = (k: keyof Settled) => after[k] - before[k];
report({
  kind,
  devices: n,
  failed,
  clientHeapBytesPerDevice: Math.round(grown('heap') / n),
  clientRssBytesPerDevice: Math.round(grown('rss') / n),
  /** What the process grew by, bytes: connections.ts subtracts two sizes' growth for the cost per device. */
  grown: Object.fromEntries(Object.keys(after).map((k) => [k, grown(k as keyof Settled)])),
  brokerRssBytesPerDevice: Math.round((brokerAfter - brokerBefore) / n),
});
process.exit(0);
