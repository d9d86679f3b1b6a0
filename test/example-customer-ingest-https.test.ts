/**
 * The worked example over HTTPS: every device presents its own client certificate (minted at
 * start from the device CA that make-certs.sh made), the Acme service checks that the
 * certificate is the reporting device's, and fleetsim reads the counts back from the service's
 * JSON summary API with the http tally source and JSONata. The admin token stays secret.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.js';
import { startCustomerService } from './helpers/customer-service.js';

const EXAMPLE = join(ROOT, 'examples', 'customer-ingest');
const TOKEN = 'acme-admin-Token-99c1';

describe('the customer-ingest example over HTTPS with a client certificate per device', () => {
  it('reconciles through the JSON summary API; the service saw each device as itself', async () => {
    const dir = tempDir();
    execFileSync('bash', [join(EXAMPLE, 'make-certs.sh'), join(dir, 'certs')], { stdio: 'ignore' });
    copyFileSync(join(EXAMPLE, 'target-https.yaml'), join(dir, 'target-https.yaml'));
    const service = await startCustomerService([
      '--https',
      '127.0.0.1:0',
      '--cert',
      join(dir, 'certs', 'server.pem'),
      '--key',
      join(dir, 'certs', 'server.key'),
      '--client-ca',
      join(dir, 'certs', 'devices-ca.pem'),
      '--admin-token',
      TOKEN,
    ]);
    const port = new URL(service.https!).port;
    const out = join(dir, 'run');
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin', 'fleetsim.js'),
        'run',
        join(EXAMPLE, 'scenario.yaml'),
        '--target-file',
        join(dir, 'target-https.yaml'),
        '--quiet',
        '--out',
        out,
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', ACME_HTTPS_PORT: port, ACME_ADMIN_TOKEN: TOKEN },
        timeout: 180_000,
      },
    );
    const stats = await service.stop();
    expect(r.stderr).toBe('');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.events.failed).toBe(0);
    expect(stats).toMatchObject({ refused: 0, accepted: report.events.sent });
    expect(report.transport).toBe('http');
    expect(report.reconciliation).toMatchObject({ checked: true, match: true, differences: [] });
    expect(report.reconciliation.source).toBe(`https://127.0.0.1:${port}/api/v2/summary`);
    expect(report.reconciliation.devices).toMatchObject({ checked: true, differing: 0 });
    expect(r.status).toBe(0);
    const files = readdirSync(out)
      .map((f) => readFileSync(join(out, f), 'utf8'))
      .join('\n');
    expect(`${r.stdout}${files}`).not.toContain(TOKEN);
  });
});
