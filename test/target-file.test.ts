/**
 * A target file: ${ENV} values, relative file names against the file's folder, every mistake
 * with file:line and without echoing values (a target holds secrets), and the secrets collected
 * so that logs and reports can leave them out.
 */
import { describe, expect, it } from 'vitest';
import { parseTargetFile } from '../agent/scenario/target-load.js';
import { TargetConfigError } from '../protocol/errors.js';

const TEXT = `url: https://staging.acme.test:8443/api/v2/app-status
headers:
  Authorization: "Bearer \${ACME_TOKEN}"
  X-Tenant: \${TENANT:-eu}
password: "\${DEVICE_PASSWORD}"
username: "{deviceId}"
tls:
  ca: certs/ca.pem
  clientCerts:
    mint: { caCert: certs/devices-ca.pem, caKey: /abs/devices-ca.key }
wire:
  profile: acme
  values: { note: "cost $\${{seq}}" }
tallies:
  source: postgres
  connection: postgres://acme:s3cr3t-pw@db:5432/acme
  query: SELECT 1
settle: { timeout: 10s }
`;

const env = { ACME_TOKEN: 'tok-123456', DEVICE_PASSWORD: 'dev-pass-42' };

function error(fn: () => unknown): TargetConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TargetConfigError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('a target file', () => {
  it('takes values from the environment, defaults, and literal $${', () => {
    const t = parseTargetFile(TEXT, '/etc/fleetsim/staging.yaml', env);
    expect(t.spec.headers).toEqual({ Authorization: 'Bearer tok-123456', 'X-Tenant': 'eu' });
    expect(t.spec.password).toBe('dev-pass-42');
    expect(t.spec.wire?.values).toEqual({ note: 'cost ${{seq}}' });
    expect(t.spec.settle).toEqual({ timeout: '10s', interval: '500ms' });
  });

  it('resolves relative file names against its own folder', () => {
    const t = parseTargetFile(TEXT, '/etc/fleetsim/staging.yaml', env);
    expect(t.spec.tls?.ca).toBe('/etc/fleetsim/certs/ca.pem');
    expect(t.spec.tls?.clientCerts).toEqual({
      mint: { caCert: '/etc/fleetsim/certs/devices-ca.pem', caKey: '/abs/devices-ca.key' },
    });
  });

  it('collects its secrets: the password, the token, the database password', () => {
    const t = parseTargetFile(TEXT, 'staging.yaml', env);
    expect(t.secrets).toEqual(expect.arrayContaining(['tok-123456', 'dev-pass-42', 's3cr3t-pw', 'Bearer tok-123456']));
    expect(t.secrets).not.toContain('eu');
  });

  it('a connection string from the environment: its password is a secret, its host and port are not', () => {
    const t = parseTargetFile(
      'url: mqtt://127.0.0.1:1883\ntallies:\n  source: postgres\n  connection: postgres://acme:${PW}@127.0.0.1:${PGPORT}/acme\n  query: SELECT 1\n',
      'env.yaml',
      { PW: 'from-env-pw', PGPORT: '55432' },
    );
    expect(t.secrets).toContain('from-env-pw');
    expect(t.secrets).not.toContain('55432');
    const whole = parseTargetFile(
      'url: mqtt://127.0.0.1:1883\ntallies:\n  source: postgres\n  connection: ${DATABASE_URL}\n  query: SELECT 1\n',
      'env.yaml',
      { DATABASE_URL: 'postgres://acme:whole-url-pw@db:5432/acme' },
    );
    expect(whole.secrets).toContain('whole-url-pw');
  });

  it('an unset variable is an error at its line, naming the variable', () => {
    const err = error(() => parseTargetFile(TEXT, 'staging.yaml', { ACME_TOKEN: 'x' }));
    expect(err.code).toBe('TARGET_CONFIG');
    expect(err.message).toContain('staging.yaml:5: password: the environment variable DEVICE_PASSWORD is not set');
  });

  it('an unknown field at its line, with a suggestion and no values echoed', () => {
    const err = error(() => parseTargetFile(`url: mqtt://x\npasword: hunter22\n`, 'prod.yaml', {}));
    expect(err.message).toContain('prod.yaml:2: pasword: unknown field "pasword" (did you mean "password"?)');
    expect(err.message).not.toContain('hunter22');
  });

  it('a tally source that does not exist names the ones that do', () => {
    const err = error(() => parseTargetFile(`url: mqtt://x\ntallies:\n  source: mysql\n`, 'prod.yaml', {}));
    expect(err.message).toContain(
      "prod.yaml:3: tallies.source: Invalid discriminator value. Expected 'fleetsim' | 'http' | 'postgres' | 'none'",
    );
  });

  it('YAML syntax errors give the line', () => {
    expect(error(() => parseTargetFile('url: [\n', 't.yaml', {})).message).toMatch(
      /t\.yaml:\d+: \(top level\): YAML syntax/,
    );
  });
});
