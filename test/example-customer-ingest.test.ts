/**
 * The worked example, end to end with real services: fleetsim -> mosquitto -> the Acme ingest
 * service -> PostgreSQL, counts read back with SQL. A faithful service reconciles; one that loses
 * about 1 report in 1,000 fails the run (exit 2) naming the devices it lost. The secrets of the
 * target file (the database password) appear in no output and no file of the run.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.js';
import { startCustomerService } from './helpers/customer-service.js';
import { haveMosquitto, startMosquitto, type TestMosquitto } from './helpers/mosquitto.js';
import { havePostgres, startPostgres, type TestPostgres } from './helpers/postgres.js';

const EXAMPLE = join(ROOT, 'examples', 'customer-ingest');
const DB_PASSWORD = 'acme-db-Secret-7f3';

function fleetsim(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'fleetsim.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 180_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function everyFile(dir: string): string {
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

describe.skipIf((!havePostgres || !haveMosquitto) && !process.env.CI)(
  'the customer-ingest example over MQTT and PostgreSQL',
  () => {
    let db: TestPostgres;
    let mq: TestMosquitto;
    let env: Record<string, string>;

    beforeAll(async () => {
      [db, mq] = await Promise.all([startPostgres(), startMosquitto()]);
      await db.query(`CREATE ROLE acme LOGIN PASSWORD '${DB_PASSWORD}'`);
      await db.query('CREATE DATABASE acme OWNER acme');
      env = { MQTT_PORT: String(mq.port), PGPORT: String(db.port), ACME_DB_PASSWORD: DB_PASSWORD };
    });
    afterAll(async () => {
      await Promise.all([db?.stop(), mq?.stop()]);
    });

    const serviceArgs = () => [
      '--mqtt',
      mq.url,
      '--pg',
      `postgres://acme:${DB_PASSWORD}@127.0.0.1:${db.port}/acme`,
      '--init',
    ];

    it('a faithful service reconciles exactly, after its counts settle', async () => {
      const service = await startCustomerService(serviceArgs());
      const out = join(tempDir(), 'run');
      const r = fleetsim(
        [
          'run',
          join(EXAMPLE, 'scenario.yaml'),
          '--target-file',
          join(EXAMPLE, 'target-mqtt.yaml'),
          '--quiet',
          '--out',
          out,
        ],
        env,
      );
      const stats = await service.stop();
      expect(r.stderr).toBe('');
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      expect(report.events.acked).toBe(report.events.sent);
      expect(stats?.accepted).toBe(report.events.sent);
      expect(report.reconciliation).toMatchObject({ checked: true, match: true, differences: [] });
      expect(report.reconciliation.source).toBe(`postgres://acme@127.0.0.1:${db.port}/acme`);
      expect(report.reconciliation.settle.consistent).toBe(true);
      expect(report.reconciliation.devices).toMatchObject({ checked: true, differing: 0 });
      expect(report.reconciliation.devices.pairs).toBeGreaterThan(500);
      expect(report.runId).toMatch(/^r[0-9a-f]{6}$/);
      expect(r.code).toBe(0);
      // the database password is in the target file's environment, and nowhere else
      expect(`${r.stdout}${r.stderr}${everyFile(out)}`).not.toContain(DB_PASSWORD);
    });

    it('a service that loses 1 report in 1,000 fails the run, naming the devices it lost', async () => {
      await db.query('TRUNCATE device_software_status', 'acme');
      const service = await startCustomerService([...serviceArgs(), '--lose', '1000']);
      const out = join(tempDir(), 'run');
      // the same target file with a short settle timeout: the counts never settle here
      const targetFile = join(tempDir(), 'target-mqtt.yaml');
      writeFileSync(
        targetFile,
        readFileSync(join(EXAMPLE, 'target-mqtt.yaml'), 'utf8').replace(
          /^settle: .*$/m,
          'settle: { timeout: 3s, interval: 250ms }',
        ),
      );
      const r = fleetsim(
        [
          'run',
          join(EXAMPLE, 'scenario.yaml'),
          '--devices',
          '2000',
          '--target-file',
          targetFile,
          '--quiet',
          '--out',
          out,
        ],
        env,
      );
      await service.stop();
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      expect(service.lost.length).toBeGreaterThan(0);
      expect(report.events.acked).toBe(report.events.sent);
      expect(report.reconciliation).toMatchObject({ checked: true, match: false });
      expect(report.reconciliation.differences.length).toBeGreaterThan(0);
      const named = report.reconciliation.devices.differences.map((d: { deviceId: string }) => d.deviceId);
      expect(named.length).toBeGreaterThan(0);
      const lostDevices = new Set(service.lost.map((l) => l.serial));
      for (const id of named) expect(lostDevices).toContain(id);
      expect(report.verdict).toBe('reconciliation mismatch');
      expect(report.reconciliation.settle).toMatchObject({ consistent: false, afterMs: null });
      expect(r.stdout).toContain('reconciliation mismatch');
      expect(r.code).toBe(2);
    });
  },
);
