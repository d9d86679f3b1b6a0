/**
 * The worked example twice in a row against one database that keeps what it holds: fleetsim ->
 * mosquitto -> the Acme service -> PostgreSQL, a second run (another seed, fewer devices, the
 * first run's device ids re-used) reconciling exactly with a run namespace (the run id in every
 * serial, the SQL filtering by :runId) and, separately, with a baseline (after - before, the
 * re-used devices moved from their previous rows through the devices query).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../result/result.js';
import { ROOT, tempDir } from './helpers.js';
import { fleetsimAsync } from './helpers/cli-async.js';
import { startCustomerService } from './helpers/customer-service.js';
import { haveMosquitto, startMosquitto, type TestMosquitto } from './helpers/mosquitto.js';
import { havePostgres, startPostgres, type TestPostgres } from './helpers/postgres.js';

const EXAMPLE = join(ROOT, 'examples', 'customer-ingest');
const DB_PASSWORD = 'acme-db-Rerun-91c';

describe.skipIf((!havePostgres || !haveMosquitto) && !process.env.CI)(
  'the customer-ingest example, two runs in a row against one database',
  () => {
    let db: TestPostgres;
    let mq: TestMosquitto;
    let env: Record<string, string>;
    const dir = tempDir();

    beforeAll(async () => {
      [db, mq] = await Promise.all([startPostgres(), startMosquitto()]);
      await db.query(`CREATE ROLE acme LOGIN PASSWORD '${DB_PASSWORD}'`);
      await db.query('CREATE DATABASE acme OWNER acme');
      env = { MQTT_PORT: String(mq.port), PGPORT: String(db.port), ACME_DB_PASSWORD: DB_PASSWORD };
    });
    afterAll(async () => {
      await Promise.all([db?.stop(), mq?.stop()]);
    });

    const twice = async (name: string, targetFile: string, flags: string[], between?: () => Promise<unknown>) => {
      const service = await startCustomerService([
        '--mqtt',
        mq.url,
        '--pg',
        `postgres://acme:${DB_PASSWORD}@127.0.0.1:${db.port}/acme`,
        '--init',
      ]);
      const outs = [join(dir, `${name}-1`), join(dir, `${name}-2`)];
      const run = (out: string, more: string[]) =>
        fleetsimAsync(
          [
            'run',
            join(EXAMPLE, 'scenario.yaml'),
            '--target-file',
            targetFile,
            '--quiet',
            '--out',
            out,
            ...flags,
            ...more,
          ],
          env,
        );
      const a = await run(outs[0]!, ['--devices', '300']);
      expect(a.code, a.stdout + a.stderr).toBe(0);
      await between?.();
      const b = await run(outs[1]!, ['--devices', '200', '--seed', '77']);
      await service.stop();
      const results = outs.map((o) => JSON.parse(readFileSync(join(o, 'report.json'), 'utf8')) as RunResult);
      return { b, results };
    };

    it('with neither: the mismatch says in one line that the database held the first run before', async () => {
      await db.query(readFileSync(join(EXAMPLE, 'schema.sql'), 'utf8'), 'acme');
      await db.query('ALTER TABLE device_software_status OWNER TO acme', 'acme');
      await db.query('TRUNCATE device_software_status', 'acme');
      const { b, results } = await twice('bare', join(EXAMPLE, 'target-mqtt.yaml'), []);
      expect(b.code, b.stdout + b.stderr).toBe(2);
      const held = results[0]!.reconciliation.apps.reduce((n, a) => n + a.expected.total, 0);
      expect(results[0]!.reconciliation.heldBefore).toBe(0);
      expect(results[1]!.reconciliation.heldBefore).toBe(held);
      expect(b.stdout).toContain(
        `the endpoint already held ${held.toLocaleString('en-US')} (device, app) pairs before this run: give the run a namespace (--namespace) or a baseline (--tally-baseline); see docs/targets.md`,
      );
    });

    it('with a namespace: the run id in every serial, the SQL counting its own devices', async () => {
      const targetFile = join(dir, 'target-namespaced.yaml');
      writeFileSync(
        targetFile,
        readFileSync(join(EXAMPLE, 'target-mqtt.yaml'), 'utf8').replaceAll(
          "WHERE tenant = 'eu'",
          "WHERE tenant = 'eu' AND serial LIKE '%.' || CAST(:runId AS text)",
        ),
      );
      const { b, results } = await twice('namespace', targetFile, ['--namespace']);
      expect(b.code, b.stdout + b.stderr).toBe(0);
      const [r1, r2] = results as [RunResult, RunResult];
      expect(r2.reconciliation).toMatchObject({ checked: true, match: true, heldBefore: 0 });
      expect(r2.reconciliation.devices).toMatchObject({ checked: true, differing: 0 });
      expect(r1.runId).not.toBe(r2.runId);
      const rows = await db.query(
        `SELECT count(*)::int AS n FROM device_software_status WHERE serial LIKE '%.${r2.runId}'`,
        'acme',
      );
      expect((rows.rows as { n: number }[])[0]!.n).toBe(
        r2.reconciliation.apps.reduce((n, a) => n + a.expected.total, 0),
      );
    });

    it.each([1, 2])(
      'with a baseline: after - before against the change, re-used serials moved from their rows (workers %i)',
      async (workers) => {
        // the service's own schema (idempotent), emptied: each case starts from nothing
        await db.query(readFileSync(join(EXAMPLE, 'schema.sql'), 'utf8'), 'acme');
        await db.query('ALTER TABLE device_software_status OWNER TO acme', 'acme');
        await db.query('TRUNCATE device_software_status', 'acme');
        // between the runs the table gains rows in labels that map to none of ours: a legacy
        // device the run never touches, and one of the run's devices in a state of the past
        const legacy = async () => {
          await db.query(
            `INSERT INTO device_software_status (tenant, serial, os, bundle, version, deployment, phase, detail, counter, observed_at)
             VALUES ('eu', 'legacy-0001', 'IOS', 'com.acme.mail', '1.0', 'old', 'FAILED', 'FAILED_HASH', 9, now())`,
            'acme',
          );
          await db.query(
            "UPDATE device_software_status SET detail = 'LEGACY_STATE', counter = 0 WHERE serial = 'ios-000001' AND bundle = 'com.acme.mail'",
            'acme',
          );
        };
        const { b, results } = await twice(
          `baseline-${workers}`,
          join(EXAMPLE, 'target-mqtt.yaml'),
          ['--tally-baseline', '--workers', String(workers)],
          legacy,
        );
        expect(b.code, b.stdout + b.stderr).toBe(0);
        const r2 = results[1]!;
        expect(r2.parts).toBe(workers);
        expect(r2.reconciliation).toMatchObject({ checked: true, match: true });
        expect(r2.reconciliation.baseline!.pairsBefore).toBe(
          results[0]!.reconciliation.apps.reduce((n, a) => n + a.expected.total, 0) + 1,
        );
        expect(r2.reconciliation.baseline!.reused).toBeGreaterThan(0);
        const row = { appId: 'com.acme.mail', platform: 'IOS', status: 'INSTALLED' };
        expect(r2.reconciliation.baseline!.unmappedChange).toEqual([{ ...row, state: 'LEGACY_STATE', count: -1 }]);
        expect(r2.reconciliation.baseline!.unmappedLeftOut).toEqual([
          { ...row, status: 'FAILED', state: 'FAILED_HASH', count: 1 },
        ]);
        expect(b.stdout).toContain(
          "left out of the baseline's comparison: 1 device in state 'FAILED_HASH' (IOS / FAILED) of com.acme.mail, held before and unchanged by this run",
        );
        expect(`${b.stdout}${b.stderr}`).not.toContain(DB_PASSWORD);
      },
    );
  },
);
