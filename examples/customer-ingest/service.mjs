#!/usr/bin/env node
// "Acme MDM ingest": a small stand-in for a customer's own status-ingestion service, to point
// fleetsim at. It takes the customer's report shape (report.mjs) from an MQTT broker
// (mosquitto) and/or over HTTPS with a client certificate per device, and keeps the newest
// report per (tenant, device, software) in PostgreSQL (schema.sql) or in memory. Its JSON
// summary API is what fleetsim's `http` tally source reads; its table is what the `postgres`
// tally source queries. `--lose N` makes it lose about 1 report in N, to see fleetsim catch it.
//
//   node service.mjs --mqtt mqtt://127.0.0.1:1883 --pg postgres://acme:secret@127.0.0.1:5432/acme --init
//   node service.mjs --https 127.0.0.1:8443 --cert server.pem --key server.key --client-ca ca.pem
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import pg from 'pg';
import { isLost, parseReport } from './report.mjs';
import { memoryStore, postgresStore } from './store.mjs';

const { values: opt } = parseArgs({
  options: {
    mqtt: { type: 'string' },
    topic: { type: 'string', default: 'acme/+/devices/+/software/+' },
    pg: { type: 'string' },
    init: { type: 'boolean', default: false },
    https: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'client-ca': { type: 'string' },
    'admin-token': { type: 'string', default: process.env.ACME_ADMIN_TOKEN },
    lose: { type: 'string', default: '0' },
    'flush-ms': { type: 'string', default: '50' },
  },
});
const lose = Number(opt.lose);
const flushMs = Number(opt['flush-ms']);
const say = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

if (opt.init && opt.pg) {
  const c = new pg.Client({ connectionString: opt.pg });
  await c.connect();
  await c.query(readFileSync(new URL('./schema.sql', import.meta.url), 'utf8'));
  await c.end();
}
const store = opt.pg ? await postgresStore(opt.pg, { flushMs }) : memoryStore({ flushMs });
const counters = { accepted: 0, refused: 0, lost: 0 };

/** Takes one report; the lossy mode drops some after accepting them, as a buggy pipeline would. */
function take(row) {
  counters.accepted++;
  if (isLost(row, lose)) {
    counters.lost++;
    say({ lost: { serial: row.serial, bundle: row.bundle, counter: row.counter } });
    return;
  }
  store.enqueue(row);
}

let client;
if (opt.mqtt) {
  client = mqtt.connect(opt.mqtt, { clientId: `acme-ingest-${process.pid}`, clean: true, reconnectPeriod: 500 });
  client.on('error', (err) => say({ error: `mqtt: ${err.message}` }));
  await new Promise((resolve) => client.once('connect', resolve));
  await client.subscribeAsync(opt.topic, { qos: 1 });
  client.on('message', (topic, payload) => {
    // acme/{tenant}/devices/{serial}/software/{bundle}
    const [, tenant, , serial] = topic.split('/');
    const r = parseReport(payload.toString('utf8'), tenant);
    if (!r.ok || r.row.serial !== serial) {
      counters.refused++;
      say({ refused: topic, reason: r.ok ? 'topic and report name different devices' : r.reason });
      return;
    }
    take(r.row);
  });
}

function answer(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function admin(req, res) {
  if (!opt['admin-token'] || req.headers.authorization === `Bearer ${opt['admin-token']}`) return true;
  answer(res, 401, { error: 'the summary API needs Authorization: Bearer <admin token>' });
  return false;
}

async function handle(req, res) {
  const url = new URL(req.url, 'https://acme.invalid');
  const tenant = url.searchParams.get('tenant') ?? req.headers['x-acme-tenant'] ?? 'default';
  const put = /^\/api\/v2\/devices\/([^/]+)\/software\/([^/]+)\/status$/.exec(url.pathname);
  if (put && req.method === 'PUT') {
    // A device may report only as itself: the certificate's CN is its serial.
    if (!req.socket.authorized)
      return answer(res, 401, { error: 'a client certificate signed by the device CA is required' });
    const cn = req.socket.getPeerCertificate().subject?.CN;
    const serial = decodeURIComponent(put[1]);
    let text = '';
    for await (const chunk of req) text += chunk;
    const r = parseReport(text, String(tenant));
    if (!r.ok) {
      counters.refused++;
      return answer(res, 400, { error: r.reason });
    }
    if (cn !== serial || r.row.serial !== serial || r.row.bundle !== decodeURIComponent(put[2])) {
      counters.refused++;
      return answer(res, 403, { error: `the certificate is for ${cn}, the report for ${r.row.serial}` });
    }
    take(r.row);
    return answer(res, 202, { accepted: true });
  }
  if (url.pathname === '/api/v2/summary' && req.method === 'GET') {
    if (!admin(req, res)) return;
    const bundle = url.searchParams.get('bundle') ?? '';
    return answer(res, 200, { tenant, bundle, breakdown: await store.summary(String(tenant), bundle) });
  }
  const list = /^\/api\/v2\/software\/([^/]+)\/devices$/.exec(url.pathname);
  if (list && req.method === 'GET') {
    if (!admin(req, res)) return;
    return answer(res, 200, { items: await store.devices(String(tenant), decodeURIComponent(list[1])) });
  }
  if (url.pathname === '/api/v2/stats') return answer(res, 200, counters);
  answer(res, 404, { error: `no route ${req.method} ${url.pathname}` });
}

let server;
if (opt.https) {
  const [host, port] = opt.https.split(':');
  server = createServer(
    {
      cert: readFileSync(opt.cert),
      key: readFileSync(opt.key),
      ca: readFileSync(opt['client-ca']),
      requestCert: true,
      // checked per route: devices need a certificate, the summary API a token
      rejectUnauthorized: false,
    },
    (req, res) => handle(req, res).catch((err) => answer(res, 500, { error: err.message })),
  );
  await new Promise((resolve) => server.listen(Number(port), host, resolve));
}

say({
  ready: true,
  store: store.kind,
  mqtt: opt.mqtt ? opt.topic : null,
  https: server ? `https://${opt.https.split(':')[0]}:${server.address().port}` : null,
});

async function stop() {
  await client?.endAsync();
  server?.close();
  await store.close();
  say({ stopped: counters });
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
