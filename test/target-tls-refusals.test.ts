/**
 * A TLS handshake that fails against the user's service (its certificate expired, or issued for
 * another host) refuses the run before any event is sent, with one paragraph naming the URL, the
 * reason as TLS gives it and what to fix; never a stack trace. A real HTTPS server on port 0 with
 * certificates made by Debian's openssl, the real CLI.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fleetsimAsync } from './helpers/cli-async.js';
import { makeTestCa, pemOf } from './helpers/test-ca.js';
import { tempDir, tinyScenario } from './scenario-files.js';

const tmp = tempDir();
const ca = makeTestCa(tmp.dir);

/** A server certificate signed by the test CA: `days` -1 makes one that expired yesterday. */
function serverCert(name: string, san: string, days: number): { cert: Buffer; key: Buffer } {
  const run = (args: string[]) => execFileSync('/usr/bin/openssl', args, { cwd: tmp.dir, stdio: 'ignore' });
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  run(['req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=service']);
  writeFileSync(join(tmp.dir, `${name}.ext`), `subjectAltName=${san}\n`);
  run([
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    ca.caCert,
    '-CAkey',
    ca.caKey,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    String(days),
    '-extfile',
    `${name}.ext`,
  ]);
  return { cert: pemOf(join(tmp.dir, `${name}.pem`)), key: pemOf(join(tmp.dir, `${name}.key`)) };
}

describe('a TLS handshake that fails', () => {
  const servers: Server[] = [];
  let events = 0;
  afterAll(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
    tmp.cleanup();
  });

  const serve = async (tls: { cert: Buffer; key: Buffer }) => {
    const server = createServer(tls, (req, res) => {
      if (req.method === 'POST') events++;
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`;
  };

  it.each([
    ['expired yesterday', serverCert('expired', 'IP:127.0.0.1', -1), 'certificate has expired'],
    ['for another host', serverCert('other', 'DNS:ingest.other.example', 2), "IP: 127.0.0.1 is not in the cert's list"],
  ])('a certificate %s: refused before anything is sent, the URL and the reason named', async (name, tls, why) => {
    const url = await serve(tls);
    const target = tmp.write(
      `${name.replaceAll(' ', '-')}.yaml`,
      `url: ${url}\ntls:\n  ca: ${ca.caCert}\ntallies: { source: none }\n`,
    );
    const scenario = tmp.write('scenario.yaml', tinyScenario([], { devices: 5 }));
    const r = await fleetsimAsync(['run', scenario, '--target-file', target, '--quiet']);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stderr).toContain(`The TLS handshake with ${new URL(url).origin} failed`);
    expect(r.stderr).toContain(why);
    expect(r.stderr).toContain('tls.ca');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(events).toBe(0);
  });
});
