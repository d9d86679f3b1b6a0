/**
 * endpoint-restart over real sockets: `fleetsim serve --data-dir` as a child process, killed with
 * SIGKILL while devices have reports in flight and started again on its data directory and ports.
 * The devices (lean MQTT, QoS 1, an offline queue) reconnect and send again what was not
 * acknowledged; at the end every device's last report is counted, nothing acknowledged before the
 * kill is lost (the journal gave back at least as many events), and the tallies are exact.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { startEndpointProcess, type EndpointProcess, type RestartFigures } from '../run/endpoint-process.js';
import { FaultProxy } from '../transport/fault-proxy/proxy.js';
import { LeanMqttTransport } from '../transport/mqtt-lean/lean.js';
import { getJson, tallies } from './helpers/endpoint-client.js';
import { APP, send } from './helpers/fault-events.js';

let ep: EndpointProcess | undefined;
let t: LeanMqttTransport | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await t?.close();
  await proxy?.close();
  proxy = undefined;
  await ep?.close();
  t = undefined;
  ep = undefined;
});

describe('endpoint-restart of serve --data-dir', () => {
  it('kill -9 mid-run and restart: devices reconnect and resend, nothing acknowledged is lost, tallies exact', async () => {
    ep = await startEndpointProcess({ clock: systemClock });
    // the proxy only watches: it counts first sends and resends (DUP) on the wire
    const u = new URL(ep.mqttUrl);
    proxy = await FaultProxy.start({ target: { host: u.hostname, port: Number(u.port) }, protocol: 'mqtt' });
    t = new LeanMqttTransport({
      url: proxy.urlFor(ep.mqttUrl),
      qos: 1,
      reconnect: { baseMs: 50, maxMs: 300 },
      offlineQueue: { max: 1000, overflow: 'drop-oldest' },
    });
    const devices = ['er-1', 'er-2', 'er-3', 'er-4', 'er-5'];
    expect(await Promise.all(devices.map((d) => send(t!, d)))).toEqual(new Array(5).fill(undefined));
    let acked = 5;
    let ackedAtKill = 0;
    let restart: Promise<RestartFigures> | undefined;
    // two devices' reports are held on the way (in the proxy) when the endpoint dies: it never
    // had them, and only a resend brings them
    const held = proxy.shape({ ids: new Set(['er-4', 'er-5']) }, { latencyMs: 600_000 }, 'up');
    const burst = devices.flatMap((d) => Array.from({ length: 20 }, () => send(t!, d)));
    for (const p of burst)
      void p.then((err) => {
        if (err) return;
        // mid-run: the kill comes with the 40th acknowledgement, the rest of the burst in flight
        if (++acked === 40) {
          ackedAtKill = acked;
          restart = ep!.restart(200);
          // after the SIGKILL: lifting releases the held reports into a connection that is dead
          held.lift();
        }
      });
    expect(await Promise.all(burst)).toEqual(new Array(100).fill(undefined));
    const figures = await restart!;
    // the journal gave back every event acknowledged before the kill (and perhaps some that were
    // durable but whose acknowledgement was still on the way), and not the held ones
    expect(figures.replayed).toBeGreaterThanOrEqual(ackedAtKill);
    expect(figures.replayed).toBeLessThanOrEqual(65);
    expect(figures.upAt).toBeGreaterThan(figures.killedAt);
    expect(t.stats().reconnects).toBeGreaterThanOrEqual(1);
    const wire = proxy.counters();
    expect(wire.dupPublishes).toBeGreaterThanOrEqual(40);
    expect(wire.publishes).toBe(105 + wire.dupPublishes);
    const page = (await getJson(ep.httpUrl, `/v1/apps/${APP}/devices?includeExpired=true`)).body;
    expect(page.devices.map((d: { deviceId: string; seq: number }) => [d.deviceId, d.seq])).toEqual(
      devices.map((d) => [d, 21]),
    );
    const tally = await tallies(ep.httpUrl, APP);
    expect(tally.total).toBe(5);
    for (const d of devices) t.deviceDone(d);
  });
});
