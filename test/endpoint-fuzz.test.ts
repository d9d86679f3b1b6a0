/**
 * The fuzz suite: property-based inputs (fast-check, seeded, bounded in count) against a live
 * `fleetsim serve --data-dir` child process: random request lines, paths with every kind of
 * escape, headers, bodies (mutated events, arbitrary JSON, raw bytes) and raw MQTT packets.
 * After each batch: the process is alive and healthy, the tallies are exactly those of the valid
 * events it acknowledged (each 200 or PUBACK re-applied to a local reference store), and its
 * memory stays bounded. FLEETSIM_FUZZ_SEED reproduces a failure; every case is named by index.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TallyStore } from '../broker/store.js';
import { checkEvent, type StatusEvent } from '../protocol/event.js';
import { statusTopic } from '../protocol/topics.js';
import { tempDir } from './helpers.js';
import { getJson, tallies } from './helpers/endpoint-client.js';
import { event, statesOf } from './helpers/endpoint-events.js';
import { hostPort } from './helpers/raw-socket.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';

const SEED = Number(process.env.FLEETSIM_FUZZ_SEED ?? 1201);
const APP = 'com.acme.mail';
const BATCH = 25;
let serve: ServeProcess;
const reference = new TallyStore();
const apps = new Set<string>([APP]);
let baseRss = 0;
let cases = 0;
const summary: string[] = [];

const rssMb = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${serve.child.pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
};

beforeAll(async () => {
  serve = await startServe(['--data-dir', tempDir('fleetsim-fuzz-')]);
  baseRss = rssMb();
});
afterAll(async () => {
  serve.child.kill('SIGTERM');
  expect((await serve.exited).code).toBe(0);
  console.log(
    `fuzz suite, seed ${SEED}: ${cases} cases, ${reference.counters.accepted} valid events among them accepted (and only those)\n  ${summary.join('\n  ')}`,
  );
});

/** Sends raw bytes, reads until the server closes or goes quiet; never throws. */
function raw(url: string, bytes: Buffer | string, quietMs = 150, http = true): Promise<Buffer> {
  const { host, port } = hostPort(url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect({ host, port });
    const first = http ? 30_000 : quietMs * 4;
    let timer = setTimeout(() => s.destroy(), first);
    // No half-close: Node's HTTP server drops a request whose client sent FIN before the answer
    // (the event is then taken but never acknowledged), and aedes closes the session before a
    // PUBACK. HTTP cases say Connection: close and the server closes; MQTT ones are cut when quiet.
    s.on('connect', () => s.write(bytes));
    s.on('data', (d) => {
      chunks.push(d);
      clearTimeout(timer);
      timer = setTimeout(() => s.destroy(), http ? first : quietMs);
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** After a batch: alive, healthy, tallies exactly the reference's, memory bounded. */
async function invariants(label: string): Promise<void> {
  expect(serve.child.exitCode, `${label}: serve exited`).toBeNull();
  expect((await getJson(serve.httpUrl, '/healthz')).status, label).toBe(200);
  for (const app of apps)
    expect(await tallies(serve.httpUrl, app), `${label}: tallies of ${app}`).toEqual(reference.appTallies(app));
  expect(rssMb() - baseRss, `${label}: RSS grew past 200 MB`).toBeLessThan(200);
}

/** Runs the cases BATCH at a time, concurrently within a batch, checking the invariants after each. */
async function fuzz<T>(name: string, arb: fc.Arbitrary<T>, runs: number, send: (c: T) => Promise<void>) {
  const list = fc.sample(arb, { numRuns: runs, seed: SEED + name.length });
  for (let i = 0; i < list.length; i += BATCH) {
    await Promise.all(list.slice(i, i + BATCH).map(send));
    await invariants(`${name}, cases ${i}-${Math.min(i + BATCH, list.length) - 1} (seed ${SEED})`);
  }
  cases += list.length;
  summary.push(
    `${name}: ${list.length} cases, serve alive and tallies exact after every batch of ${BATCH}; RSS ${rssMb().toFixed(0)} MB (started at ${baseRss.toFixed(0)})`,
  );
}

// --- generators ------------------------------------------------------------------------------
const hex = fc.constantFrom(...'0123456789abcdefABCDEF');
const percentEscape = fc.oneof(
  fc.tuple(hex, hex).map(([a, b]) => `%${a}${b}`),
  fc.constantFrom(
    '%',
    '%%',
    '%E0%A4%A',
    '%ZZ',
    '%C0%AF',
    '%ED%A0%80',
    '%F4%90%80%80',
    '%00',
    '%2F',
    '%u0041',
    '%E0%A4',
  ),
  fc.string({ maxLength: 2 }).map((s) => `%${s}`),
);
const segment = fc
  .array(fc.oneof(percentEscape, fc.string({ maxLength: 6 }), fc.constantFrom('..', '.', '', 'x', APP, 'ios-000001')), {
    maxLength: 4,
  })
  .map((parts) => parts.join(''));
const pathArb = fc.oneof(
  fc.tuple(segment, fc.constantFrom('tallies', 'devices')).map(([a, b]) => `/v1/apps/${a}/${b}`),
  fc.tuple(segment, segment).map(([a, d]) => `/v1/apps/${a}/devices/${d}/history`),
  fc.tuple(segment, fc.string({ maxLength: 30 })).map(([a, q]) => `/v1/apps/${a}/devices?${q}`),
  fc.array(segment, { maxLength: 5 }).map((s) => `/${s.join('/')}`),
  fc.constantFrom('http://[', 'http://[::1', '*', 'http://x/v1/stats', '//', '/?', 'x', '', 'HTTP/1.1'),
);
const method = fc.oneof(
  fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'CONNECT', 'TRACE'),
  fc.string({ maxLength: 8 }),
);
const version = fc.oneof(
  fc.constantFrom('HTTP/1.1', 'HTTP/1.0'),
  fc.constantFrom('HTTP/2', 'HTTP/9.9', '', 'http/1.1'),
);
/** Node's HTTP parser refuses bytes a request line may not hold; keep some, so both layers are hit. */
const requestLine = fc
  .tuple(method, pathArb, version)
  .map(([m, p, v]) => `${m} ${p} ${v}\r\nHost: x\r\nConnection: close\r\n\r\n`);

const validEvent = fc
  .record({ device: fc.integer({ min: 0, max: 199 }), seq: fc.integer({ min: 1, max: 50 }) })
  .map(({ device, seq }) => {
    // The state follows from (device, seq): two concurrent cases with the same pair and seq send
    // the same event, so arrival order cannot change the tallies the reference expects.
    const states = statesOf('ios');
    const st = states[(device * 31 + seq * 7) % states.length]!;
    return event({ deviceId: `ios-${String(device).padStart(6, '0')}`, seq, status: st.status, state: st.state });
  });
const hostile = fc.oneof(
  fc.constantFrom('constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '', ' ', 'v\u0000'),
  fc.string({ maxLength: 5000 }),
);
const mutated = fc
  .tuple(validEvent, fc.constantFrom(...Object.keys(event())), hostile, fc.jsonValue({ maxDepth: 3 }), fc.nat(3))
  .map(([e, field, name, value, how]) => {
    // Devices of their own (ios-5xxxxx): a mutation that happens to stay valid meets no valid case's pair.
    const o: Record<string, unknown> = { ...e, deviceId: e.deviceId.replace('ios-0', 'ios-5') };
    if (how === 0) o[field] = value;
    else if (how === 1) delete o[field];
    else if (how === 2) return `{${JSON.stringify(o).slice(1, -1)},${JSON.stringify(name)}:${JSON.stringify(value)}}`;
    return JSON.stringify(o);
  });
const bodyArb = fc.oneof(
  mutated.map((b) => (typeof b === 'string' ? b : JSON.stringify(b))),
  fc
    .array(fc.oneof(validEvent, mutated), { maxLength: 30 })
    .map((l) => `[${l.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(',')}]`),
  validEvent.map((e) => JSON.stringify(e)),
  fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
  fc.nat(40).map((n) => '['.repeat(n * 100) + ']'.repeat(n * 100)),
);
const headerArb = fc.array(
  fc.oneof(
    fc.tuple(
      fc.constantFrom('Content-Encoding', 'Authorization', 'Content-Type', 'Transfer-Encoding', 'Expect', 'X-Any'),
      fc.string({ maxLength: 40 }),
    ),
    fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 40 })),
  ),
  { maxLength: 6 },
);

/** A 200 answer to a POST means its events were applied: the reference applies them too. */
function applied(body: Buffer | string, answer: Buffer): void {
  // After an interim answer (Expect: 100-continue gets "100 Continue" first) comes the final one.
  if (!/(^|\r\n)HTTP\/1\.[01] 200 /.test(answer.toString('latin1'))) return;
  const value = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : body);
  for (const e of Array.isArray(value) ? value : [value]) {
    const c = checkEvent(e);
    expect(c.ok, `a 200 for an invalid event: ${JSON.stringify(e).slice(0, 200)}`).toBe(true);
    reference.ingest((c as { event: StatusEvent }).event, 0);
    apps.add((c as { event: StatusEvent }).event.appId);
  }
}

function post(body: Buffer | string, headers: [string, string][] = []): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const h = headers.map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return Buffer.concat([
    Buffer.from(
      `POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${h}Content-Length: ${b.length}\r\nConnection: close\r\n\r\n`,
    ),
    b,
  ]);
}

describe('[G9] fuzzing a live fleetsim serve', () => {
  it('random request lines and paths with every kind of escape', async () => {
    await fuzz('request lines', requestLine, 300, async (line) => {
      await raw(serve.httpUrl, line);
    });
  });

  it('random headers on event POSTs', async () => {
    await fuzz('headers', fc.tuple(headerArb, validEvent), 200, async ([headers, e]) => {
      const body = JSON.stringify(e);
      // Header text Node refuses to send is what a raw client can send anyway: bytes, latin1.
      const answer: Buffer = await raw(
        serve.httpUrl,
        post(
          body,
          headers.map(([k, v]) => [k.replace(/[\r\n:]/g, ''), v.replace(/[\r\n]/g, '')]),
        ),
      );
      applied(body, answer);
    });
  });

  it('random bodies: mutated events, batches, arbitrary JSON, raw bytes, deep nesting', async () => {
    await fuzz('bodies', bodyArb, 400, async (body) => {
      applied(body, await raw(serve.httpUrl, post(body)));
    });
  });

  it('raw MQTT packets: generated, mutated and random bytes, before and after CONNECT', async () => {
    const connectBytes = mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId: 'fuzz',
      keepalive: 10,
    });
    const packetArb = fc.oneof(
      fc
        .tuple(
          fc.string({ maxLength: 80 }),
          fc.oneof(
            fc.string({ maxLength: 300 }),
            validEvent.map((e) => JSON.stringify(e)),
          ),
          fc.constantFrom(0, 1, 2),
        )
        .map(([topic, payload, qos]) => {
          try {
            return mqttPacket.generate({
              cmd: 'publish',
              topic,
              payload,
              qos: qos as 0 | 1 | 2,
              messageId: 7,
              retain: false,
              dup: false,
            });
          } catch {
            return Buffer.from(topic);
          }
        }),
      fc.string({ maxLength: 60 }).map((t) => {
        try {
          return mqttPacket.generate({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: t, qos: 0 }] });
        } catch {
          return Buffer.from(t);
        }
      }),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    );
    const caseArb = fc.tuple(fc.boolean(), fc.array(packetArb, { maxLength: 4 }), fc.nat(), fc.nat(255));
    await fuzz('MQTT packets', caseArb, 300, async ([withConnect, packets, at, mask]) => {
      const bytes = Buffer.concat([withConnect ? connectBytes : Buffer.alloc(0), ...packets]);
      if (bytes.length > 0 && mask > 0) bytes[at % bytes.length]! ^= mask; // one flipped byte somewhere
      await raw(serve.mqttUrl, bytes, 150, false);
    });
    // A valid event over MQTT still counts after all that.
    const e = event({ deviceId: 'ios-000999', seq: 1 });
    const pub = mqttPacket.generate({
      cmd: 'publish',
      topic: statusTopic(e.deviceId, e.appId),
      payload: JSON.stringify(e),
      qos: 1,
      messageId: 1,
      retain: false,
      dup: false,
    });
    const got = await raw(serve.mqttUrl, Buffer.concat([connectBytes, pub]), 500, false);
    expect(got.includes(Buffer.from([0x40, 0x02, 0x00, 0x01])), 'PUBACK').toBe(true);
    reference.ingest(e, 0);
    await invariants('after the valid MQTT event');
  });
});
