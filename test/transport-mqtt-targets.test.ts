/**
 * The MQTT transport against a broker of someone else's with mTLS: mosquitto requiring a client
 * certificate signed by the device CA, taking the certificate's CN as the username, and an ACL
 * that lets a device publish only under its own id. Devices present certificates minted at
 * start; the topic and client id come from the target's patterns. Both device connections (the
 * lean client, the default, and mqtt.js) pass the same cases.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetUnreachableError } from '../protocol/errors.js';
import { LeanMqttTransport, type LeanMqttOptions } from '../transport/mqtt-lean/lean.js';
import { MqttTransport, type MqttTransportOptions } from '../transport/mqtt/mqtt.js';
import type { Transport } from '../transport/types.js';
import { DeviceCertAuthority } from '../transport/tls/device-certs.js';
import { resolveTls } from '../transport/tls/tls-options.js';
import { tempDir } from './helpers.js';
import { haveMosquitto, MOSQUITTO } from './helpers/mosquitto.js';
import { freePort } from './helpers/ports.js';
import { makeTestCa, pemOf, type TestCa } from './helpers/test-ca.js';

type Options = MqttTransportOptions & LeanMqttOptions;
const CLIENTS: [string, (o: Options) => Transport][] = [
  ['lean', (o) => new LeanMqttTransport(o)],
  ['mqtt.js', (o) => new MqttTransport(o)],
];

describe.skipIf(!haveMosquitto && !process.env.CI).each(CLIENTS)(
  'MQTT over TLS with a certificate per device (mosquitto, %s client)',
  (_name, create) => {
    let broker: ChildProcess;
    let url: string;
    let server: TestCa;
    let devices: TestCa;
    const received: string[] = [];
    let watcher: mqtt.MqttClient;

    beforeAll(async () => {
      const dir = tempDir();
      server = makeTestCa(tempDir(), 'ec', 'Server CA');
      devices = makeTestCa(tempDir(), 'ec', 'Device CA');
      const port = await freePort();
      writeFileSync(join(dir, 'acl'), 'user watcher\ntopic read #\npattern write acme/+/devices/%u/#\n');
      writeFileSync(
        join(dir, 'mosquitto.conf'),
        [
          `listener ${port} 127.0.0.1`,
          `cafile ${devices.caCert}`,
          `certfile ${server.serverCert}`,
          `keyfile ${server.serverKey}`,
          'require_certificate true',
          'use_identity_as_username true',
          `acl_file ${join(dir, 'acl')}`,
          'max_queued_messages 0',
          '',
        ].join('\n'),
      );
      // mosquitto started as root reads these as the user "mosquitto"
      for (const d of [dir, server.dir, devices.dir]) {
        chmodSync(d, 0o755);
        for (const f of readdirSync(d)) chmodSync(join(d, f), 0o644);
      }
      broker = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
      url = `mqtts://127.0.0.1:${port}`;
      const me = new DeviceCertAuthority(pemOf(devices.caCert), pemOf(devices.caKey)).mint('watcher', Date.now());
      for (let i = 0; ; i++) {
        try {
          watcher = await mqtt.connectAsync(url, {
            ca: pemOf(server.caCert),
            cert: me.cert,
            key: me.key,
            reconnectPeriod: 0,
          });
          break;
        } catch (err) {
          if (i > 100) throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      await watcher.subscribeAsync('acme/#', { qos: 1 });
      watcher.on('message', (topic, payload) => received.push(`${topic} ${payload}`));
    });

    afterAll(async () => {
      await watcher?.endAsync();
      broker?.kill('SIGTERM');
    });

    const tls = () =>
      resolveTls(
        { ca: server.caCert, clientCerts: { mint: { caCert: devices.caCert, caKey: devices.caKey } } },
        Date.now,
      );

    it('every device connects with its own certificate and publishes to its own topic', async () => {
      const t = create({ url, tls: tls(), clientIdFor: (id) => `acme-${id}`, will: false });
      await t.preflight();
      const ids = ['ios-000001', 'ios-000002', 'android-000001'];
      const errs = await Promise.all(
        ids.map(
          (id) =>
            new Promise<Error | undefined>((r) =>
              t.send(id, 'app', `{"d":"${id}"}`, r, `acme/eu/devices/${id}/software/app`),
            ),
        ),
      );
      await t.close();
      expect(errs).toEqual([undefined, undefined, undefined]);
      for (let i = 0; i < 100 && received.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      expect(received.sort()).toEqual(ids.map((id) => `acme/eu/devices/${id}/software/app {"d":"${id}"}`).sort());
    });

    it("a device presenting another device's certificate cannot publish as itself", async () => {
      received.length = 0;
      const real = tls();
      const wrong = {
        ...real,
        identityFor: (id: string) => real.identityFor!(id === 'ios-000009' ? 'ios-000001' : id),
      };
      const t = create({ url, tls: wrong, will: false });
      const topic = (id: string) => `acme/eu/devices/${id}/software/app`;
      await Promise.all([
        new Promise((r) => t.send('ios-000009', 'app', 'impostor', r, topic('ios-000009'))),
        new Promise((r) => t.send('ios-000003', 'app', 'honest', r, topic('ios-000003'))),
      ]);
      await t.close();
      for (let i = 0; i < 100 && received.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      expect(received).toEqual([`${topic('ios-000003')} honest`]);
    });

    it('without a client certificate, or trusting the wrong CA, the preflight says what to fix', async () => {
      const noCert = create({
        url,
        tls: resolveTls({ ca: server.caCert }, Date.now),
        connectTimeoutMs: 5_000,
      });
      await expect(noCert.preflight()).rejects.toBeInstanceOf(TargetUnreachableError);
      await noCert.close();
      const wrongCa = create({
        url,
        tls: resolveTls({ ca: devices.caCert }, Date.now),
        connectTimeoutMs: 5_000,
      });
      await expect(wrongCa.preflight()).rejects.toThrow(
        /TLS handshake with mqtts:\/\/127\.0\.0\.1:\d+ failed: .*tls\.ca/,
      );
      await wrongCa.close();
    });
  },
);

describe.each(CLIENTS)("a WebSocket target's headers (%s client)", (_name, create) => {
  it('go on the upgrade request, as a gateway that checks them sees them', async () => {
    const { WebSocketServer } = await import('ws');
    const seen: Record<string, string | string[] | undefined>[] = [];
    const wss = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      verifyClient: (info: { req: { headers: Record<string, string | string[] | undefined> } }) => {
        seen.push(info.req.headers);
        return false;
      },
    });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    const t = create({
      url: `ws://127.0.0.1:${port}/mqtt`,
      headers: { 'X-Tenant': 'eu', Authorization: 'Bearer tok-123456' },
      connectTimeoutMs: 5_000,
    });
    await expect(t.preflight()).rejects.toBeInstanceOf(TargetUnreachableError);
    await t.close();
    await new Promise((r) => wss.close(r));
    expect(seen[0]?.['x-tenant']).toBe('eu');
    expect(seen[0]?.authorization).toBe('Bearer tok-123456');
  });
});
