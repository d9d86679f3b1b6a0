/**
 * The mqtt.js clients of the transport: one built for a device (its client id, credentials, TLS
 * identity, last will, source address, its socket claimed as its for the fault proxy), and the
 * preflight that connects once as a device would before any device starts, so an unreachable or
 * misconfigured target is one clear sentence.
 */
import type { Socket } from 'node:net';
import type { MqttClient } from 'mqtt';
import { TargetUnreachableError } from '../../protocol/errors.js';
import { presenceTopic } from '../../protocol/topics.js';
import type { TlsSettings } from '../tls/tls-options.js';
import { SendError, type TransportStats } from '../types.js';
import { type ClientSpec, createMqttClient, type MqttTarget } from './connect.js';
import type { MqttTransportOptions } from './options.js';

/** The preflight probe presents a minted identity as a device would; with certificates read from
 * files there is none for it, and it connects without one. */
function probeIdentity(tls: TlsSettings | undefined, id: string): { cert: string; key: string } | undefined {
  try {
    return tls?.identityFor?.(id);
  } catch {
    return undefined;
  }
}

/** Builds the transport's clients; `nextAddress` spreads them over the source addresses. */
export class MqttClients {
  private nextAddress = 0;

  constructor(
    private readonly opts: MqttTransportOptions,
    private readonly target: MqttTarget,
    private readonly counters: TransportStats,
  ) {}

  /** Connects once as a device would; throws TargetUnreachableError with what to check. */
  async preflight(): Promise<void> {
    const probe = `fleetsim-preflight-${process.pid}`;
    const client = this.client(probe, false);
    client.options.reconnectPeriod = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
        client.once('close', () =>
          reject(
            new SendError(
              'connection closed before CONNACK (is it an MQTT broker? are the credentials right?)',
              'network',
            ),
          ),
        );
      });
    } catch (err) {
      const e = err as Error & { code?: string };
      throw new TargetUnreachableError(
        /CERT|SSL|TLS|self.signed|certificate/i.test(`${e.code ?? ''} ${e.message}`)
          ? `The TLS handshake with ${this.opts.url} failed: ${e.message}${e.code ? ` (${e.code})` : ''}. Give the CA that signed the broker's certificate in tls.ca, check the client certificates (tls.clientCerts), or set tls.insecure for a test system.`
          : `Cannot reach the MQTT target ${this.opts.url}: ${e.message}. Check that a broker listens there (fleetsim serve starts one), or run without --target to use the embedded endpoint.`,
      );
    } finally {
      this.opts.tls?.forget(probe);
      await client.endAsync(true).catch(() => undefined);
    }
  }

  /** A connection as `deviceId` (a device, or the preflight probe, which presents an identity as a device would). */
  client(deviceId: string, device: boolean): MqttClient {
    const addrs = this.opts.localAddresses;
    const clientId = this.opts.clientIdFor?.(deviceId) ?? deviceId;
    const cred = this.opts.credentials?.(clientId);
    const own = this.opts.deviceCredentials?.(deviceId);
    const tls = this.opts.tls;
    const me = device ? tls?.identityFor?.(deviceId) : probeIdentity(tls, deviceId);
    const spec: ClientSpec = {
      clientId,
      keepaliveSec: this.opts.keepaliveSec ?? 60,
      clean: this.opts.clean ?? true,
      connectTimeoutMs: this.opts.connectTimeoutMs ?? 30_000,
      username: own?.username ?? (cred ? cred.username : this.opts.username),
      password: own?.password ?? (cred ? cred.password : this.opts.password),
      localAddress: addrs?.length ? addrs[this.nextAddress++ % addrs.length] : undefined,
      reconnect: this.opts.reconnect ?? {},
      insecureTls: tls ? !tls.rejectUnauthorized : (this.opts.insecureTls ?? false),
      ...(tls ? { tls: { ca: tls.ca, cert: me?.cert, key: me?.key } } : {}),
      ...(this.opts.headers ? { headers: this.opts.headers } : {}),
      ...(device && this.opts.portOwners
        ? { claim: (sock: Socket) => this.opts.portOwners!.claim(sock, deviceId) }
        : {}),
      onReconnected: (resumed) => {
        this.counters.reconnects++;
        if (resumed) this.counters.sessionsResumed = (this.counters.sessionsResumed ?? 0) + 1;
      },
    };
    if (device && (this.opts.will ?? true)) {
      spec.will = {
        topic: presenceTopic(deviceId),
        payload: Buffer.from(`{"deviceId":${JSON.stringify(deviceId)},"online":false}`),
        qos: 1,
        retain: false,
      };
    }
    return createMqttClient(this.target, spec);
  }
}
