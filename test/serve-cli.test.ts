/**
 * `fleetsim serve` from the command line: bad TLS or auth configuration is one clear paragraph and
 * exit 3 (no stack trace); with a fleet token from the environment it refuses anonymous events.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';
import { getJson, postJson } from './helpers/endpoint-client.js';
import { event } from './helpers/endpoint-events.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';

const running: ServeProcess[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
});

describe('fleetsim serve configuration errors', () => {
  it('--tls-cert without --tls-key, or an unreadable certificate: exit 3, no stack trace', () => {
    const half = cli(['serve', '--mqtt-port', '0', '--http-port', '0', '--tls-cert', 'cert.pem']);
    expect(half.code).toBe(3);
    expect(half.stderr).toMatch(/--tls-key/);
    const missing = cli([
      'serve',
      '--mqtt-port',
      '0',
      '--http-port',
      '0',
      '--tls-cert',
      '/nonexistent/cert.pem',
      '--tls-key',
      '/nonexistent/key.pem',
    ]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/\/nonexistent\/cert\.pem/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it('an auth file with an unknown field names it', () => {
    const file = join(tempDir(), 'auth.json');
    writeFileSync(file, JSON.stringify({ fleetToken: 'long-enough-token', fleetTokn: 'x' }));
    const r = cli(['serve', '--mqtt-port', '0', '--http-port', '0', '--auth-file', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/fleetTokn/);
  });
});

describe('fleetsim serve with auth from the command line', () => {
  it('--auth-file turns auth on: anonymous POSTs get 401, the fleet token is accepted', async () => {
    const file = join(tempDir(), 'auth.json');
    writeFileSync(file, JSON.stringify({ fleetToken: 'fleet-token-cli' }));
    const s = await startServe(['--auth-file', file]);
    running.push(s);
    expect((await postJson(s.httpUrl, '/v1/events', event())).status).toBe(401);
    expect(
      (await postJson(s.httpUrl, '/v1/events', event(), { authorization: 'Bearer fleet-token-cli' })).body.accepted,
    ).toBe(1);
    expect((await getJson(s.httpUrl, '/healthz')).body.ok).toBe(true);
  });
});
