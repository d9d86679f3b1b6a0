/**
 * `serve --workers`: a worker that dies is logged and forked again, and /healthz says so while it
 * is down. The restart is held back by the test's own timers, so "down" is observed, not raced.
 * Before this change a dead worker was neither replaced nor logged, and /healthz said ok with
 * every worker dead.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startCluster, type ClusterEndpoint } from '../broker/cluster.js';
import type { SupervisorTimers } from '../broker/worker-supervisor.js';
import { statusTopic } from '../protocol/topics.js';
import { connectMqtt, getJson, publish } from './helpers/endpoint-client.js';
import { event } from './helpers/endpoint-events.js';

/** Timers that fire only when the test says so. */
class HeldTimers implements SupervisorTimers {
  due: { fn: () => void; ms: number }[] = [];
  now = () => performance.timeOrigin + performance.now();
  setTimeout = (fn: () => void, ms: number) => {
    const t = { fn, ms };
    this.due.push(t);
    return t;
  };
  clearTimeout = (h: unknown) => {
    this.due = this.due.filter((t) => t !== h);
  };
  fireAll(): number[] {
    const list = this.due.splice(0);
    for (const t of list) t.fn();
    return list.map((t) => t.ms);
  }
}

const lines: any[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
    cb();
  },
});
const timers = new HeldTimers();
let c: ClusterEndpoint;
beforeAll(async () => {
  c = await startCluster({ workers: 2, httpPort: 0, logger: pino({ level: 'info' }, sink), supervisorTimers: timers });
});
afterAll(async () => c?.close());

const until = async (ok: () => Promise<boolean> | boolean) => {
  while (!(await ok())) await new Promise((r) => setTimeout(r, 20));
};

describe('[G13] serve --workers supervision', () => {
  it('a killed worker is logged, /healthz is 503 naming it, and a new one is forked with backoff', async () => {
    expect((await getJson(c.httpUrl, '/healthz')).status).toBe(200);
    const victim = c.health().workers[0]!;
    const direct = c.directUrls();
    process.kill(victim.pid!, 'SIGKILL');
    await until(() => timers.due.length === 1);
    const log = lines.find((l) => /MQTT worker 1 exited/.test(l.msg));
    expect(log).toMatchObject({ worker: 1, pid: victim.pid, signal: 'SIGKILL' });
    const h = await getJson(c.httpUrl, '/healthz');
    expect(h.status).toBe(503);
    expect(h.body.workers[0]).toMatchObject({ worker: 1, up: false, lastExit: { signal: 'SIGKILL' } });
    expect(h.body.workers[1]).toMatchObject({ up: true });
    // The other worker still serves the shared port.
    const m = await connectMqtt(c.mqttUrl, { clientId: 'ios-000601' });
    const e = event({ deviceId: 'ios-000601' });
    await publish(m, statusTopic(e.deviceId, e.appId), JSON.stringify(e));
    await m.endAsync();
    expect(timers.fireAll()).toEqual([100]);
    await until(async () => (await getJson(c.httpUrl, '/healthz')).status === 200);
    const back = c.health().workers[0]!;
    expect(back).toMatchObject({ up: true, restarts: 1 });
    expect(back.pid).not.toBe(victim.pid);
    // devices that knew the dead worker's own port find the new one there
    expect(c.directUrls()).toEqual(direct);
    const d = await connectMqtt(direct[0]!, { clientId: 'ios-000603' });
    await d.endAsync();
  });

  it('with every worker dead /healthz is 503; each is forked again, a quick second death backs off longer', async () => {
    for (const w of c.health().workers) process.kill(w.pid!, 'SIGKILL');
    await until(() => timers.due.length === 2);
    expect((await getJson(c.httpUrl, '/healthz')).status).toBe(503);
    // Worker 1 died again soon after its restart: 200 ms; worker 2 for the first time: 100 ms.
    expect(timers.fireAll().sort((a, b) => a - b)).toEqual([100, 200]);
    await until(async () => (await getJson(c.httpUrl, '/healthz')).status === 200);
    const m = await connectMqtt(c.mqttUrl, { clientId: 'ios-000602' });
    await m.endAsync();
  });
});
