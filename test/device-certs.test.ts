/**
 * Device certificates minted from a user's CA are real X.509: openssl verifies them against the
 * CA, and a TLS server that demands client certificates signed by that CA accepts them and sees
 * the device id as the subject's CN.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeviceCertAuthority } from '../transport/tls/device-certs.js';
import { resolveTls } from '../transport/tls/tls-options.js';
import { TargetConfigError } from '../protocol/errors.js';
import { tempDir } from './helpers.js';
import { makeTestCa, pemOf } from './helpers/test-ca.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe.each(['ec', 'rsa'] as const)('device certificates from a %s CA', (keyType) => {
  const dir = tempDir();
  const ca = makeTestCa(dir, keyType);
  const authority = new DeviceCertAuthority(pemOf(ca.caCert), pemOf(ca.caKey));

  it('verify against the CA with openssl, with the device id as CN and client-auth usage', () => {
    const id = authority.mint('ios-000042', Date.now(), { organization: 'acme' });
    const file = join(dir, 'dev.pem');
    writeFileSync(file, id.cert);
    const out = execFileSync('/usr/bin/openssl', ['verify', '-purpose', 'sslclient', '-CAfile', ca.caCert, file], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe(`${file}: OK`);
    const x = new X509Certificate(id.cert);
    expect(x.subject).toBe('O=acme\nCN=ios-000042');
    expect(x.checkIssued(new X509Certificate(pemOf(ca.caCert)))).toBe(true);
    expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('carry the validity asked for', () => {
    const x = new X509Certificate(authority.mint('a', NOW, { days: 3 }).cert);
    expect(Date.parse(x.validFrom)).toBe(NOW - 3_600_000);
    expect(Date.parse(x.validTo)).toBe(NOW + 3 * 86_400_000);
  });
});

describe('a TLS server that demands client certificates', () => {
  it('accepts a minted device certificate and sees its device id', async () => {
    const ca = makeTestCa(tempDir());
    const server = createServer(
      {
        cert: pemOf(ca.serverCert),
        key: pemOf(ca.serverKey),
        ca: pemOf(ca.caCert),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (s: TLSSocket) => {
        const cn = s.getPeerCertificate().subject?.CN;
        s.end(`hello ${cn}`);
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    const tls = resolveTls({ ca: ca.caCert, clientCerts: { mint: { caCert: ca.caCert, caKey: ca.caKey } } }, Date.now);
    const me = tls.identityFor!('android-000007');
    const answer = await new Promise<string>((resolve, reject) => {
      const c = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: tls.ca, cert: me.cert, key: me.key });
      let text = '';
      c.on('data', (d) => (text += d));
      c.on('end', () => resolve(text));
      c.on('error', reject);
    });
    server.close();
    expect(answer).toBe('hello android-000007');
    expect(tls.identityFor!('android-000007')).toBe(me);
    expect(tls.describe).not.toContain('BEGIN');
  });
});

describe('CA files that cannot work', () => {
  it('a key that is not the CA certificate’s is refused at start', () => {
    const a = makeTestCa(tempDir());
    const b = makeTestCa(tempDir());
    expect(() => resolveTls({ clientCerts: { mint: { caCert: a.caCert, caKey: b.caKey } } }, Date.now)).toThrow(
      TargetConfigError,
    );
  });

  it('a missing file names the file', () => {
    expect(() => resolveTls({ ca: '/nonexistent/ca.pem' }, Date.now)).toThrow(/\/nonexistent\/ca.pem: no such file/);
  });

  it('a server certificate given as CA is refused', () => {
    const a = makeTestCa(tempDir());
    expect(() => resolveTls({ clientCerts: { mint: { caCert: a.serverCert, caKey: a.serverKey } } }, Date.now)).toThrow(
      /is not a CA/,
    );
  });
});
