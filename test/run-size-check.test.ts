import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from '../agent/scenario/load.js';
import { type Machine, sizeOf, sizeProblem } from '../run/size-check.js';
import { peakConnected } from '../run/size-concurrency.js';
import { makeTestCa } from './helpers/test-ca.js';
import { checkRun } from '../run/run-options.js';
import { cli, tempDir, writeTemp } from './helpers.js';

const GiB = 2 ** 30;
/** This machine's limits as the brief gives them: 4 GiB of heap per process, 20,000 open files. */
const MACHINE: Machine = { heapLimit: 4 * GiB, totalMemory: 24 * GiB, openFiles: 20_000 };

const fleet = (count: number, transport = 'mqtt') =>
  parseScenario(
    `name: big\ntransport: ${transport}\napps:\n  - id: com.acme.mail\n  - id: com.acme.vpn\ncohorts:\n  - { name: phones, platform: android, count: ${count} }\n`,
    'big.yaml',
  );

describe('the up-front size check', () => {
  it('counts devices and (device, app) pairs as the fleet will, --devices included', () => {
    expect(sizeOf(fleet(1000))).toEqual({ devices: 1000, pairs: 2000 });
    expect(sizeOf(fleet(1000), 10)).toEqual({ devices: 10, pairs: 20 });
  });

  it('passes what fits: the quick start, and 50,000 MQTT devices over 3 workers against their own endpoint', () => {
    const quick = loadScenario('scenarios/quickstart.yaml');
    expect(sizeProblem(quick, { transport: 'mqtt', workers: 2, shardCount: 1, embedded: true }, MACHINE)).toBe(
      undefined,
    );
    const stress = loadScenario('scenarios/mqtt-stress.yaml');
    expect(sizeProblem(stress, { transport: 'mqtt', workers: 3, shardCount: 1, embedded: false }, MACHINE)).toBe(
      undefined,
    );
  });

  it('refuses 10,000,000 devices with what does not fit and what would', () => {
    const p = sizeProblem(fleet(10_000_000), { transport: 'mqtt', workers: 2, shardCount: 1, embedded: true }, MACHINE);
    expect(p).toContain('10,000,000 devices, 20,000,000 (device, app) pairs');
    expect(p).toMatch(/would simulate 5,000,000 devices, about 4\.8 GiB, over the 4\.0 GiB/);
    expect(p).toContain('the embedded endpoint would hold 20,000,000 (device, app) pairs');
    expect(p).toMatch(/What would fit: at most 3,145,728 devices per process: --workers 4 or more/);
    expect(p).toContain('at most 19,500 devices per process');
    expect(p).toContain('Nothing was started');
  });

  it('counts connections against the open files of a process, MQTT one per device only', () => {
    const mqtt = { transport: 'mqtt', workers: 1, shardCount: 1, embedded: false } as const;
    expect(sizeProblem(fleet(25_000), mqtt, MACHINE)).toMatch(/up to 25,000 MQTT connections at once.*--workers 2/);
    expect(sizeProblem(fleet(25_000), { ...mqtt, workers: 2 }, MACHINE)).toBeUndefined();
    expect(sizeProblem(fleet(25_000), { ...mqtt, sharedConnections: 16 }, MACHINE)).toBeUndefined();
    expect(sizeProblem(fleet(25_000), { ...mqtt, shardCount: 2 }, MACHINE)).toBeUndefined();
    expect(sizeProblem(fleet(25_000, 'http'), { ...mqtt, transport: 'http' }, MACHINE)).toBeUndefined();
    // the embedded endpoint accepts every worker's connections in one process
    expect(sizeProblem(fleet(25_000), { ...mqtt, workers: 2, embedded: true }, MACHINE)).toContain(
      'the embedded endpoint would accept all 25,000 connections in one process',
    );
  });

  it('fleetsim run refuses a scenario that cannot fit with exit 3 before anything starts', () => {
    const file = writeTemp(
      'huge.yaml',
      'name: huge\napps:\n  - id: com.acme.mail\ncohorts:\n  - { name: phones, platform: android, count: 10000000 }\n',
    );
    const out = join(tempDir(), 'run');
    const r = cli(['run', file, '--quiet', '--out', out]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Scenario huge does not fit this machine: 10,000,000 devices');
    expect(r.stderr).toContain('What would fit:');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(out, 'report.json'))).toBe(false);
  });

  const arriving = (load: string, count = 100_000, platform = 'android') =>
    parseScenario(
      `name: arriving\ntransport: mqtt\n${load}\napps:\n  - id: com.acme.mail\ncohorts:\n  - { name: phones, platform: ${platform}, count: ${count} }\n`,
      'arriving.yaml',
    );

  it('the open model: connections at once follow arrivals and lifetimes, not the fleet size', () => {
    // 5 devices a second for 6 h: 100,000 devices, most done within minutes of arriving
    const slow = arriving('load: { model: open, startRate: 5, stages: [{ duration: 6h, target: 5 }] }');
    const c = peakConnected(slow, 100_000);
    expect(c.peak).toBeGreaterThan(5 * 60); // at least a minute of arrivals is connected
    expect(c.peak).toBeLessThan(19_500);
    expect(c.why).toMatch(/devices arrive over 5\.6 h, and of 200 simulated up front half were done within/);
    const one = { transport: 'mqtt', workers: 1, shardCount: 1, embedded: false } as const;
    // refused before (100,000 devices > 19,500 open files): it fits in one process
    expect(sizeProblem(slow, one, MACHINE)).toBeUndefined();
    // the same fleet arriving within 100 s is (nearly) all connected at once: refused, saying why
    const fast = arriving('load: { model: open, startRate: 1000, stages: [{ duration: 100s, target: 1000 }] }');
    const p = sizeProblem(fast, one, MACHINE);
    expect(p).toMatch(
      /up to [\d,]+ MQTT connections at once \(one per device; about [\d,]+ connected at once at the busiest moment: devices arrive over 100 s/,
    );
    expect(p).toMatch(/--workers [3-6] or more, or sharedConnections/);
  });

  it('the closed model: a ramp spreads connections, a storm or a hold keeps them all', () => {
    const one = { transport: 'mqtt', workers: 1, shardCount: 1, embedded: false } as const;
    expect(peakConnected(arriving('load: { model: closed, rampUp: 6h }'), 100_000).peak).toBeLessThan(19_500);
    expect(peakConnected(arriving('load: { model: closed, rampUp: 0s }'), 100_000).peak).toBe(100_000);
    const held = arriving('load: { model: closed, rampUp: 6h, hold: 10m }');
    expect(peakConnected(held, 100_000)).toEqual({
      peak: 100_000,
      why: 'the closed model holds every connection until its hold ends',
    });
    expect(sizeProblem(held, one, MACHINE)).toMatch(/up to 100,000 MQTT connections at once/);
  });

  it("a transport variant's sharedConnections is read as the transport reads it", () => {
    const shared = parseScenario(
      'name: shared\ntransport: { kind: mqtt, sharedConnections: 16 }\napps:\n  - id: com.acme.mail\ncohorts:\n  - { name: phones, platform: android, count: 25000 }\n',
      'shared.yaml',
    );
    expect(() => checkRun(shared, { scenarioFile: 'shared.yaml', target: 'mqtt://127.0.0.1:1883' })).not.toThrow();
  });

  it('HTTPS with a client certificate per device: a connection per device, counted against open files', () => {
    const http = { transport: 'http', workers: 1, shardCount: 1, embedded: false } as const;
    expect(sizeProblem(fleet(25_000, 'http'), http, MACHINE)).toBeUndefined(); // a pool of 64
    expect(sizeProblem(fleet(25_000, 'http'), { ...http, perDeviceIdentity: true }, MACHINE)).toMatch(
      /up to 25,000 HTTPS connections at once \(one per device, each presenting its own client certificate; every device arrives at once\).*--workers 2 or more, or --shard/,
    );
    expect(
      sizeProblem(fleet(25_000, 'http'), { ...http, perDeviceIdentity: true, workers: 2 }, MACHINE),
    ).toBeUndefined();
  });

  it('HTTPS with a client certificate per device: each connection costs its measured 108 KiB of memory', () => {
    // 18,000 such connections are 1.85 GiB: over 75 % of a 2 GiB machine (at the old guess of 48 KiB, 0.82 GiB, it passed)
    const small: Machine = { ...MACHINE, totalMemory: 2 * GiB };
    const http = { transport: 'http', workers: 1, shardCount: 1, embedded: false, perDeviceIdentity: true } as const;
    expect(sizeProblem(fleet(18_000, 'http'), http, small)).toMatch(/18,000 connections at once at about 108 KiB each/);
    expect(sizeProblem(fleet(12_000, 'http'), http, small)).toBeUndefined();
  });

  it('fleetsim run with a target minting a certificate per device refuses 25,000 devices in one process', () => {
    const dir = tempDir();
    const ca = makeTestCa(dir);
    const scenario = writeTemp(
      'mtls.yaml',
      'name: mtls\ntransport: http\napps:\n  - id: com.acme.mail\ncohorts:\n  - { name: phones, platform: android, count: 25000 }\n',
    );
    const target = writeTemp(
      'mtls-target.yaml',
      `url: https://127.0.0.1:9/\ntls:\n  ca: ${ca.caCert}\n  clientCerts:\n    mint: { caCert: ${ca.caCert}, caKey: ${ca.caKey} }\ntallies: { source: none }\n`,
    );
    const r = cli(['run', scenario, '--quiet', '--target-file', target, '--workers', '1', '--out', join(dir, 'run')]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('HTTPS connections at once (one per device, each presenting its own client certificate');
    expect(existsSync(join(dir, 'run', 'report.json'))).toBe(false);
  });
});
