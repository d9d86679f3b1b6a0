/**
 * The TLS side of a target, resolved once at start: the CA bundle to trust, whether to check the
 * server at all (`insecure`, for self-signed test systems), and each device's client identity.
 * Both transports take a TlsSettings and ask it per connection, so MQTT and HTTP present the same
 * identity for the same device.
 */
import { readFileSync } from 'node:fs';
import { TargetConfigError } from '../../protocol/errors.js';
import { DeviceCertAuthority, readDeviceIdentity, type DeviceIdentity, type MintOptions } from './device-certs.js';

export interface TlsConfig {
  /** PEM files of the CAs that signed the target's server certificate. @default the system's */
  ca?: string | string[] | undefined;
  /** Do not check the server's certificate at all. @default false */
  insecure?: boolean | undefined;
  clientCerts?:
    | { mint: { caCert: string; caKey: string; days?: number | undefined; organization?: string | undefined } }
    | { files: { cert: string; key: string } }
    | undefined;
}

export interface TlsSettings {
  ca?: Buffer;
  rejectUnauthorized: boolean;
  /** The device's client certificate and key; undefined when devices present none. */
  identityFor?: (deviceId: string) => DeviceIdentity;
  /** Drop a device's cached identity once its connection is gone. */
  forget(deviceId: string): void;
  /** Words for logs and reports (file names, never key material). */
  describe: string;
}

export function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new TargetConfigError(
      `Cannot read the ${what} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`,
    );
  }
}

/**
 * Resolves the TLS config. Minting is lazy per device and cached until the device's connection
 * ends, so a million-device fleet does not hold a million keys; the CA is checked here, at start.
 */
export function resolveTls(config: TlsConfig | undefined, now: () => number): TlsSettings {
  const cas = config?.ca === undefined ? [] : Array.isArray(config.ca) ? config.ca : [config.ca];
  const ca = cas.length ? Buffer.concat(cas.map((f) => readPem(f, 'CA bundle'))) : undefined;
  const cache = new Map<string, DeviceIdentity>();
  const words: string[] = [];
  if (cas.length) words.push(`CA ${cas.join(', ')}`);
  if (config?.insecure) words.push('server certificate NOT checked (insecure)');
  let identityFor: ((deviceId: string) => DeviceIdentity) | undefined;
  const cc = config?.clientCerts;
  if (cc && 'mint' in cc) {
    const m = cc.mint;
    const authority = new DeviceCertAuthority(
      readPem(m.caCert, 'CA certificate'),
      readPem(m.caKey, 'CA key'),
      `tls.clientCerts.mint (${m.caCert})`,
    );
    const opts: MintOptions = {
      ...(m.days !== undefined ? { days: m.days } : {}),
      ...(m.organization ? { organization: m.organization } : {}),
    };
    identityFor = (id) => {
      let v = cache.get(id);
      if (!v) cache.set(id, (v = authority.mint(id, now(), opts)));
      return v;
    };
    words.push(`a client certificate per device, minted from ${m.caCert}`);
  } else if (cc && 'files' in cc) {
    const { cert, key } = cc.files;
    identityFor = (id) => {
      let v = cache.get(id);
      if (!v) cache.set(id, (v = readDeviceIdentity(cert, key, id)));
      return v;
    };
    words.push(`a client certificate per device from ${cert}`);
  }
  return {
    ...(ca ? { ca } : {}),
    rejectUnauthorized: !config?.insecure,
    ...(identityFor ? { identityFor } : {}),
    forget: (id) => cache.delete(id),
    describe: words.join('; ') || 'system CAs',
  };
}
