/**
 * The example's target files load, compile, and say what the acme profile says: the MQTT file
 * spells the template out for users to copy, and must not drift from the built-in profile.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFleet } from '../agent/fleet/fleet.js';
import { loadScenario } from '../agent/scenario/load.js';
import { loadTargetFile } from '../agent/scenario/target-load.js';
import { Simulator, type Emitted } from '../agent/sim/simulator.js';
import { createTallySource } from '../endpoint-client/tally-sources.js';
import { PLATFORMS } from '../protocol/catalogue/catalogue.js';
import { compileWire } from '../transport/wire/wire.js';
import { ROOT } from './helpers.js';

const DIR = join(ROOT, 'examples', 'customer-ingest');
const env = { ACME_DB_PASSWORD: 'db-secret-1', ACME_ADMIN_TOKEN: 'admin-token-1' };

describe('the example target files', () => {
  it('target-mqtt.yaml writes exactly what the acme profile writes', () => {
    const t = loadTargetFile(join(DIR, 'target-mqtt.yaml'), env);
    const opts = { platforms: PLATFORMS, runId: 'r', transport: 'mqtt' as const };
    const mine = compileWire(t.spec.wire, opts);
    const profile = compileWire({ profile: 'acme', values: { tenant: 'eu' } }, opts);
    const scenario = loadScenario(join(DIR, 'scenario.yaml'));
    const fleet = buildFleet(scenario, {});
    const events: Emitted[] = [];
    new Simulator(fleet, { startMs: fleet.startMs, seed: scenario.seed }).runToEnd((e) => events.push(e));
    expect(events.length).toBeGreaterThan(1000);
    for (const e of events) {
      expect(mine.body(e, 1)).toBe(profile.body(e, 1));
      expect(mine.topic(e, 1)).toBe(profile.topic(e, 1));
    }
    expect(t.secrets).toContain('db-secret-1');
  });

  it('target-https.yaml resolves its certificates next to itself and its tally source compiles', async () => {
    const t = loadTargetFile(join(DIR, 'target-https.yaml'), env);
    expect(t.spec.tls?.ca).toBe(join(DIR, 'certs', 'ca.pem'));
    expect(t.secrets).toContain('admin-token-1');
    // the certificates are made by make-certs.sh; until then the error names the file
    expect(() => createTallySource(t.spec.tallies!, { source: t.source })).toThrow(
      `Cannot read the CA bundle of tallies.ca ${join(DIR, 'certs', 'ca.pem')}: no such file.`,
    );
    const source = createTallySource({ ...t.spec.tallies!, ca: undefined } as typeof t.spec.tallies & {}, {
      source: t.source,
    });
    expect(source.kind).toBe('http');
    expect(source.describe).toBe('https://127.0.0.1:8443/api/v2/summary');
    await source.close();
  });
});
