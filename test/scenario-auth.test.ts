/**
 * Auth on in a scenario: the endpoint refuses what has no credentials, every simulated device
 * reports with its own, and the run still reconciles exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveAuth } from '../transport/credentials.js';
import { endpointAuth } from '../run/endpoint-auth.js';
import { runScenario } from '../run/run-scenario.js';
import { parseScenario } from '../agent/scenario/load.js';
import { createTransport } from '../transport/registry.js';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { ROOT } from './helpers.js';

const file = join(ROOT, 'scenarios', 'secured.yaml');
const scenario = parseScenario(readFileSync(file, 'utf8'), file);

let ep: Endpoint | undefined;
afterEach(async () => {
  await ep?.close();
  ep = undefined;
});

async function securedEndpoint() {
  const auth = resolveAuth(scenario, false)!;
  ep = await startEndpoint({ auth: endpointAuth(auth) });
  return { auth, ep };
}

describe('scenario auth', () => {
  it('runs the secured scenario over MQTT with per-device credentials against an endpoint that refuses anonymous clients', async () => {
    const { auth, ep } = await securedEndpoint();
    const anonymous = mqtt.connect(ep.mqttUrl, { clientId: 'ios-000001', reconnectPeriod: 0 });
    const refused = await new Promise<Error>((resolve) => anonymous.once('error', resolve));
    anonymous.end(true);
    expect(refused.message).toMatch(/Not authorized|Bad username or password/);

    const r = await runScenario(scenario, { scenarioFile: file, target: ep.mqttUrl, talliesUrl: ep.httpUrl, auth });
    expect(r.events.failed).toBe(0);
    expect(r.reconciliation.match).toBe(true);
    expect(r.passed).toBe(true);
    expect(ep.store.counters.rejected).toBe(0);
  });

  it('runs it over HTTP with per-device bearer tokens; a request without one is refused', async () => {
    const { auth, ep } = await securedEndpoint();
    const res = await request(`${ep.httpUrl}/v1/events`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(401);
    await res.body.dump();
    const r = await runScenario(scenario, { scenarioFile: file, transport: 'http', target: ep.httpUrl, auth });
    expect(r.events.failed).toBe(0);
    expect(r.reconciliation.match).toBe(true);
  });

  it('is refused at the start, exit 4, when the secret is wrong', async () => {
    const { ep } = await securedEndpoint();
    await expect(
      runScenario(scenario, {
        scenarioFile: file,
        target: ep.mqttUrl,
        talliesUrl: ep.httpUrl,
        auth: { mode: 'device', secret: 'x'.repeat(32) },
      }),
    ).rejects.toMatchObject({ code: 'TARGET_UNREACHABLE', exitCode: 4 });
  });

  it('turns auth on for the embedded endpoint with a fresh secret per run', async () => {
    let seen: Endpoint | undefined;
    const r = await runScenario(scenario, { scenarioFile: file, transport: 'http', onEndpoint: (e) => (seen = e) });
    expect(r.passed).toBe(true);
    expect(seen?.authEnabled).toBe(true);
    expect(resolveAuth(scenario, false)!.secret).not.toBe(resolveAuth(scenario, false)!.secret);
  });

  it('leaves auth off where the scenario does not ask for it', async () => {
    const plain = parseScenario(readFileSync(file, 'utf8').replace(/^auth:\n {2}mode: device\n/m, ''), file);
    expect(plain.auth).toBeUndefined();
    let seen: Endpoint | undefined;
    await runScenario(plain, { scenarioFile: file, transport: 'http', onEndpoint: (e) => (seen = e) });
    expect(seen?.authEnabled).toBe(false);
  });

  it('needs a secret for an external target, from the scenario or FLEETSIM_AUTH_SECRET', () => {
    expect(() => resolveAuth(scenario, true, {})).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(resolveAuth(scenario, true, { FLEETSIM_AUTH_SECRET: 's'.repeat(20) })).toEqual({
      mode: 'device',
      secret: 's'.repeat(20),
    });
  });

  it('refuses shared MQTT connections and per-device tokens in HTTP batches, which auth cannot allow', () => {
    const auth = { mode: 'device' as const, secret: 'z'.repeat(24) };
    expect(() => createTransport('mqtt', 'mqtt://127.0.0.1:1', scenario, { sharedConnections: 4 }, auth)).toThrow(
      expect.objectContaining({ code: 'USAGE' }),
    );
    expect(() => createTransport('http', 'http://127.0.0.1:1', scenario, { batch: 10 }, auth)).toThrow(
      expect.objectContaining({ code: 'USAGE' }),
    );
  });
});
