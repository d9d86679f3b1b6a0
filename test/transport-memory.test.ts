/**
 * What the in-memory transport does beyond the conformance suite: it never answers inside send(),
 * a device's session goes once the device is done, nothing is taken after close(), and with a
 * journaled endpoint an acknowledgement means durable (a restart replays every acked event). As a
 * run's transport (`fleetsim run --transport memory`) it needs the embedded endpoint and one process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Endpoint, startEndpoint } from '../broker/endpoint.js';
import { MemoryTransport } from '../transport/memory/memory.js';
import { SendError } from '../transport/types.js';
import { event } from './helpers/endpoint-events.js';
import { cli, tempDir } from './helpers.js';
import { tinyScenario, tempDir as scenarioDir } from './scenario-files.js';

let endpoint: Endpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

const payload = (deviceId: string, seq = 1) => JSON.stringify(event({ deviceId, seq }));

describe('the in-memory transport', () => {
  it('answers in a later turn, never inside send()', async () => {
    endpoint = await startEndpoint();
    const t = new MemoryTransport({ sink: endpoint.sink });
    let answered = false;
    const done = new Promise<Error | undefined>((r) =>
      t.send('ios-000001', 'com.acme.mail', payload('ios-000001'), (e) => {
        answered = true;
        r(e);
      }),
    );
    expect(answered).toBe(false);
    expect(await done).toBeUndefined();
    await t.close();
  });

  it('keeps one session per device until the device is done, and counts the most open at once', async () => {
    endpoint = await startEndpoint();
    const t = new MemoryTransport({ sink: endpoint.sink });
    const ids = ['ios-000001', 'ios-000002', 'ios-000003'];
    await Promise.all(ids.map((id) => new Promise((r) => t.send(id, 'com.acme.mail', payload(id), r))));
    expect(t.connections()).toBe(3);
    t.deviceDone('ios-000001');
    await new Promise((r) => t.send('ios-000002', 'com.acme.mail', payload('ios-000002', 2), r));
    expect(t.connections()).toBe(2);
    await t.close();
    expect(t.connections()).toBe(0);
    expect(t.stats().peakConnections).toBe(3);
  });

  it('fails a send after close() and the endpoint never sees it', async () => {
    endpoint = await startEndpoint();
    const t = new MemoryTransport({ sink: endpoint.sink });
    await t.close();
    const err = await new Promise<Error | undefined>((r) =>
      t.send('ios-000001', 'com.acme.mail', payload('ios-000001'), r),
    );
    expect((err as SendError).kind).toBe('network');
    expect(endpoint.store.counters.accepted + endpoint.store.counters.rejected).toBe(0);
  });

  it('acknowledges through the journal: a restarted endpoint replays every acknowledged event', async () => {
    const dataDir = tempDir('fleetsim-memory-');
    endpoint = await startEndpoint({ dataDir });
    const t = new MemoryTransport({ sink: endpoint.sink });
    const ids = Array.from({ length: 20 }, (_, i) => `android-${String(i).padStart(6, '0')}`);
    const errs = await Promise.all(
      ids.map(
        (id) =>
          new Promise((r) =>
            t.send(
              id,
              'com.acme.mail',
              JSON.stringify(event({ deviceId: id, platform: 'android', status: 'success', state: 'installed' })),
              r,
            ),
          ),
      ),
    );
    expect(errs.every((e) => e === undefined)).toBe(true);
    await t.close();
    await endpoint.close();
    endpoint = await startEndpoint({ dataDir });
    expect(endpoint.replayed).toBe(20);
    expect(endpoint.store.appTallies('com.acme.mail').platforms.android?.success?.installed).toBe(20);
  });

  it('answers "shutting down" once the endpoint closes, without counting a rejection', async () => {
    endpoint = await startEndpoint();
    const t = new MemoryTransport({ sink: endpoint.sink });
    await endpoint.close();
    const err = await new Promise<Error | undefined>((r) =>
      t.send('ios-000001', 'com.acme.mail', payload('ios-000001'), r),
    );
    expect(err).toBeInstanceOf(SendError);
    expect(err?.message).toContain('shutting down');
    expect(endpoint.store.counters.rejected).toBe(0);
    await t.close();
  });
});

describe('fleetsim run --transport memory', () => {
  const tmp = scenarioDir();
  afterAll(() => tmp.cleanup());
  const file = tmp.write('tiny.yaml', tinyScenario());

  it('runs against the embedded endpoint in one process and reconciles (exit 0)', () => {
    const out = join(tmp.dir, 'run');
    const r = cli(['run', file, '--transport', 'memory', '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(result).toMatchObject({ transport: 'memory', target: { kind: 'embedded' }, parts: 1 });
    expect(result.events.acked).toBe(result.events.sent);
    expect(result.reconciliation).toMatchObject({ checked: true, match: true });
  });

  it('refuses a --target (exit 3): there is nothing to reach but the embedded endpoint', () => {
    const out = join(tmp.dir, 'target');
    const r = cli(['run', file, '--transport', 'memory', '--target', 'http://127.0.0.1:9', '--out', out]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--transport memory runs in this process');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(out, 'report.json'))).toBe(false);
  });

  it('refuses --workers 2 (exit 3): the sink lives in one process', () => {
    const r = cli(['run', file, '--transport', 'memory', '--workers', '2', '--out', join(tmp.dir, 'workers')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot be split over --workers 2');
  });
});
