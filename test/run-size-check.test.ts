import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from '../agent/scenario/load.js';
import { type Machine, sizeOf, sizeProblem } from '../run/size-check.js';
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
});
