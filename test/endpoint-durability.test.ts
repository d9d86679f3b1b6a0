/**
 * Durability with --data-dir: events are journaled (group commit) before they are acknowledged,
 * a restart rebuilds the tallies exactly, and `fleetsim serve` killed with SIGKILL mid-load loses
 * nothing it acknowledged. SIGTERM shuts down cleanly, losing nothing acknowledged either.
 */
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { JOURNAL_FILE } from '../broker/journal.js';
import { batchBytes, recordLine } from '../broker/journal-format.js';
import { TallyStore } from '../broker/store.js';
import type { StatusEvent } from '../protocol/event.js';
import { tempDir } from './helpers.js';
import { getJson, postJson, tallies } from './helpers/endpoint-client.js';
import { fleetEvents } from './helpers/endpoint-events.js';
import { load } from './helpers/load.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';

const APPS = ['com.acme.mail', 'com.acme.vpn'];
const dirs: string[] = [];
const endpoints: Endpoint[] = [];
const children: ServeProcess[] = [];
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
  for (const c of children.splice(0))
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const newDir = () => {
  const d = tempDir('fleetsim-data-');
  dirs.push(d);
  return d;
};

async function allDevices(base: string) {
  const out: Record<string, unknown> = {};
  for (const app of APPS) {
    const rows: unknown[] = [];
    let after: string | null = '';
    while (after !== null) {
      const page: { devices: unknown[]; next: string | null } = (
        await getJson(base, `/v1/apps/${app}/devices?limit=1000&includeExpired=1${after ? `&after=${after}` : ''}`)
      ).body;
      rows.push(...page.devices);
      after = page.next;
    }
    out[app] = rows;
    out[`${app}/tallies`] = await tallies(base, app);
  }
  return out;
}

/** The tallies and devices an endpoint must show after exactly these events. */
async function expectedFrom(events: StatusEvent[]) {
  const ep = await startEndpoint();
  endpoints.push(ep);
  const store = ep.store;
  for (const e of events) store.ingest(e, 0);
  return allDevices(ep.httpUrl);
}

describe('the journal, in process', () => {
  it('rebuilds tallies, devices and histories exactly on restart, batching fsyncs', async () => {
    const dir = newDir();
    const events = fleetEvents(300, 4, APPS);
    const first = await startEndpoint({ dataDir: dir });
    // 24 concurrent requests of 100 events: the group commit must need far fewer fsyncs than requests.
    await Promise.all(
      Array.from({ length: 24 }, (_, i) => postJson(first.httpUrl, '/v1/events', events.slice(i * 100, i * 100 + 100))),
    );
    const before = await allDevices(first.httpUrl);
    const history = (await getJson(first.httpUrl, `/v1/apps/${APPS[0]}/devices/ios-000000/history`)).body;
    expect(first.metrics.journal!.events).toBe(first.store.counters.accepted);
    expect(first.metrics.journal!.flushes).toBeLessThan(24);
    await first.close();

    const second = await startEndpoint({ dataDir: dir });
    endpoints.push(second);
    expect(second.replayed).toBe(2400);
    expect(await allDevices(second.httpUrl)).toEqual(before);
    expect((await getJson(second.httpUrl, `/v1/apps/${APPS[0]}/devices/ios-000000/history`)).body).toEqual(history);
  });

  it('drops a torn last batch (a crash mid-write, never acknowledged) and keeps appending after it', async () => {
    const dir = newDir();
    const events = fleetEvents(10, 2, APPS);
    const first = await startEndpoint({ dataDir: dir });
    await postJson(first.httpUrl, '/v1/events', events);
    await first.close();
    // A batch header promising more bytes than follow: what a crash during its write leaves.
    const rec = recordLine(`{"at":1,"event":${JSON.stringify(fleetEvents(11, 2, APPS)[40])}}`);
    const torn = batchBytes([rec, rec]).subarray(0, 60);
    appendFileSync(join(dir, JOURNAL_FILE), torn);
    const second = await startEndpoint({ dataDir: dir });
    expect(second.replayed).toBe(40);
    await postJson(second.httpUrl, '/v1/events', fleetEvents(11, 2, APPS).slice(40));
    await second.close();
    const third = await startEndpoint({ dataDir: dir });
    endpoints.push(third);
    expect(third.replayed).toBe(44);
    const lines = readFileSync(join(dir, JOURNAL_FILE), 'utf8').split('\n').filter(Boolean);
    expect(lines.every((l) => /^[JBR] [0-9a-f]{8} /.test(l))).toBe(true);
    expect(lines.filter((l) => l.startsWith('R ')).map((l) => JSON.parse(l.slice(11)).event.seq)).toHaveLength(44);
  });

  it('[G5][G8] refuses a damaged journal and a data directory in use, with coded errors', async () => {
    const dir = newDir();
    writeFileSync(join(dir, JOURNAL_FILE), 'not json\n{"also":"bad"}\n');
    await expect(startEndpoint({ dataDir: dir })).rejects.toMatchObject({ code: 'DATA_DIR' });
    const legacy = newDir();
    writeFileSync(join(legacy, 'events.ndjson'), 'not json\n{"also":"bad"}\n');
    await expect(startEndpoint({ dataDir: legacy })).rejects.toMatchObject({ code: 'DATA_DIR' });
    const other = newDir();
    // Another process holding the OS lock on DIR/LOCK (flock(1) as a stand-in for a second serve).
    const holder = spawn('flock', [join(other, 'LOCK'), 'sleep', '30'], { detached: true });
    await new Promise((r) => setTimeout(r, 200));
    await expect(startEndpoint({ dataDir: other })).rejects.toMatchObject({ code: 'DATA_DIR' });
    const exited = new Promise((r) => holder.once('exit', r));
    process.kill(-holder.pid!, 'SIGKILL'); // flock and its sleep, which inherited the locked file
    await exited;
    // Its holder gone, the kernel released the lock: taken.
    const ep = await startEndpoint({ dataDir: other });
    endpoints.push(ep);
    expect(ep.replayed).toBe(0);
  });
});

describe('fleetsim serve --data-dir as a child process', () => {
  it('[G1] kill -9 after every event was acknowledged: the restart has exactly those tallies', async () => {
    const dir = newDir();
    const events = fleetEvents(500, 3, APPS);
    const first = await startServe(['--data-dir', dir]);
    children.push(first);
    const acked: StatusEvent[] = [];
    const run = load(first, events, acked);
    await run.done;
    await run.close();
    expect(acked).toHaveLength(events.length);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = await startServe(['--data-dir', dir]);
    children.push(second);
    expect(second.replayed).toBe(3000);
    expect(await allDevices(second.httpUrl)).toEqual(await expectedFrom(acked));
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('kill -9 in the middle of a load: everything acknowledged survives, nothing unsent appears', async () => {
    const dir = newDir();
    const events = fleetEvents(1500, 4, APPS);
    const first = await startServe(['--data-dir', dir]);
    children.push(first);
    const acked: StatusEvent[] = [];
    // Killed from inside an acknowledgement callback: the other lanes still have events in flight.
    let killed = false;
    const run = load(first, events, acked, (n) => n >= 4000 && !killed && (killed = first.child.kill('SIGKILL')));
    await first.exited;
    await run.done;
    run.stop();
    await run.close();
    const ackedNow = acked.slice();
    expect(run.sent.length).toBeGreaterThan(ackedNow.length);

    const second = await startServe(['--data-dir', dir]);
    children.push(second);
    const after = new TallyStore();
    // What the restart holds must be: every acknowledged event, plus possibly some sent but unacknowledged.
    const store = new Map<string, { seq: number; state: string }>();
    for (const app of APPS) {
      for (const d of (await allDevices(second.httpUrl))[app] as { deviceId: string; seq: number; state: string }[])
        store.set(`${d.deviceId}/${app}`, d);
    }
    const maxAcked = new Map<string, number>();
    for (const e of ackedNow)
      maxAcked.set(`${e.deviceId}/${e.appId}`, Math.max(maxAcked.get(`${e.deviceId}/${e.appId}`) ?? 0, e.seq));
    const sentByKey = new Map(run.sent.map((e) => [`${e.deviceId}/${e.appId}/${e.seq}`, e]));
    for (const [k, seq] of maxAcked) expect(store.get(k)?.seq ?? 0, k).toBeGreaterThanOrEqual(seq);
    for (const [k, d] of store) {
      const e = sentByKey.get(`${k}/${d.seq}`);
      expect(e, `${k} seq ${d.seq} was never sent`).toBeDefined();
      expect(d.state).toBe(e!.state);
      after.ingest(e!, 0);
    }
    expect(second.replayed).toBeGreaterThanOrEqual(
      new Set(ackedNow.map((e) => `${e.deviceId}/${e.appId}/${e.seq}`)).size,
    );
    for (const app of APPS) expect(await tallies(second.httpUrl, app)).toEqual(after.appTallies(app));
  });

  it('SIGTERM during a load: exits 0, and a restart holds everything acknowledged', async () => {
    const dir = newDir();
    const events = fleetEvents(1500, 4, APPS);
    const first = await startServe(['--data-dir', dir]);
    children.push(first);
    const acked: StatusEvent[] = [];
    let signalled = false;
    const run = load(first, events, acked, (n) => n >= 3000 && !signalled && (signalled = first.child.kill('SIGTERM')));
    expect((await first.exited).code).toBe(0);
    await run.done;
    run.stop();
    await run.close();
    expect(acked.length).toBeLessThan(events.length);

    const second = await startServe(['--data-dir', dir]);
    children.push(second);
    const devices = await allDevices(second.httpUrl);
    const seqOf = new Map<string, number>();
    for (const app of APPS)
      for (const d of devices[app] as { deviceId: string; seq: number }[]) seqOf.set(`${d.deviceId}/${app}`, d.seq);
    for (const e of acked) expect(seqOf.get(`${e.deviceId}/${e.appId}`) ?? 0).toBeGreaterThanOrEqual(e.seq);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});
