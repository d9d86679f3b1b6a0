/**
 * Per-device client certificates, so every simulated device presents its own identity over TLS
 * as an enrolled MDM device does. Either minted at start from a CA certificate and key the user
 * supplies (ECDSA P-256: a key pair and a signature take well under a millisecond, so ten
 * thousand devices take seconds), or read from files named by a pattern such as
 * `certs/{deviceId}.pem`. The subject's CN is the device id; the issuer is the CA's subject,
 * copied byte for byte so that chain building matches it exactly.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TargetConfigError } from '../../protocol/errors.js';
import { bits, bool, children, explicit, NULL, octets, oid, readElement, seq, set, time, uint, utf8 } from './der.js';

/** What a device presents in its TLS handshake, PEM encoded. */
export interface DeviceIdentity {
  cert: string;
  key: string;
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  rsaSha256: '1.2.840.113549.1.1.11',
  ed25519: '1.3.101.112',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

export interface MintOptions {
  /** Validity from an hour before `nowMs` (clock skew) to `days` after. @default 2 */
  days?: number;
  /** The subject's O, when the service reads a tenant from it. */
  organization?: string;
}

/** A CA that signs device certificates; the CA's files are read and checked once. */
export class DeviceCertAuthority {
  private readonly issuer: Buffer;
  private readonly caKey: KeyObject;
  private readonly sigAlg: Buffer;
  private readonly digest: string | null;

  constructor(caCertPem: string | Buffer, caKeyPem: string | Buffer, where = 'the CA') {
    let ca: X509Certificate;
    try {
      ca = new X509Certificate(caCertPem);
      this.caKey = createPrivateKey(caKeyPem);
    } catch (err) {
      throw new TargetConfigError(
        `Cannot use ${where} to mint device certificates: ${(err as Error).message}. Give a PEM CA certificate and its PEM private key (unencrypted).`,
      );
    }
    if (!ca.checkPrivateKey(this.caKey)) {
      throw new TargetConfigError(
        `The CA key given with ${where} does not belong to its certificate (${ca.subject.replace(/\n/g, ', ')}): give the key the CA certificate was made with.`,
      );
    }
    if (!ca.ca) {
      throw new TargetConfigError(
        `The certificate given as CA with ${where} (${ca.subject.replace(/\n/g, ', ')}) is not a CA (basicConstraints CA:FALSE); a server would refuse the device certificates it signs.`,
      );
    }
    // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, ...
    const tbs = children(readElement(ca.raw))[0]!;
    const fields = children(tbs);
    const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
    this.issuer = fields[offset + 4]!.raw;
    const type = this.caKey.asymmetricKeyType;
    if (type === 'ec') {
      this.sigAlg = seq(oid(OID.ecdsaSha256));
      this.digest = 'sha256';
    } else if (type === 'rsa') {
      this.sigAlg = seq(oid(OID.rsaSha256), NULL);
      this.digest = 'sha256';
    } else if (type === 'ed25519') {
      this.sigAlg = seq(oid(OID.ed25519));
      this.digest = null;
    } else {
      throw new TargetConfigError(
        `The CA key given with ${where} is ${type}; device certificates can be signed with an EC, RSA or Ed25519 CA key.`,
      );
    }
  }

  /** A fresh P-256 key and a certificate for `deviceId`, signed by the CA. */
  mint(deviceId: string, nowMs: number, opts: MintOptions = {}): DeviceIdentity {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const serial = randomBytes(16);
    serial[0]! &= 0x7f;
    serial[0]! |= 0x01;
    const rdn = (type: string, value: string) => set(seq(oid(type), utf8(value)));
    const subject = seq(
      ...(opts.organization ? [rdn(OID.organization, opts.organization)] : []),
      rdn(OID.commonName, deviceId),
    );
    const days = opts.days ?? 2;
    const extensions = seq(
      seq(oid(OID.basicConstraints), bool(true), octets(seq())),
      // digitalSignature only: 03 02 07 80
      seq(oid(OID.keyUsage), bool(true), octets(Buffer.from([0x03, 0x02, 0x07, 0x80]))),
      seq(oid(OID.extKeyUsage), octets(seq(oid(OID.clientAuth)))),
    );
    const tbs = seq(
      explicit(0, uint(Buffer.from([2]))),
      uint(serial),
      this.sigAlg,
      this.issuer,
      seq(time(nowMs - 3_600_000), time(nowMs + days * 86_400_000)),
      subject,
      publicKey.export({ type: 'spki', format: 'der' }),
      explicit(3, extensions),
    );
    const signature = sign(this.digest, tbs, this.caKey);
    const der = seq(tbs, this.sigAlg, bits(signature));
    return { cert: pem('CERTIFICATE', der), key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
  }
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

/** Reads one device's certificate and key from files named by patterns with `{deviceId}`. */
export function readDeviceIdentity(certPattern: string, keyPattern: string, deviceId: string): DeviceIdentity {
  const read = (pattern: string, what: string) => {
    const file = pattern.replaceAll('{deviceId}', deviceId);
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new TargetConfigError(
        `Cannot read the ${what} of device ${deviceId} from ${file} (pattern ${pattern}): ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}. Make one file per device, or let fleetsim mint them (tls.clientCerts.mint).`,
      );
    }
  };
  return { cert: read(certPattern, 'certificate'), key: read(keyPattern, 'key') };
}
