/**
 * Wire templates: the fleetsim profile writes exactly the built-in encoder's bytes; a foreign
 * profile writes the user's shape and codes; every mistake in a template or a code table is an
 * error at load time naming file:line and what would be right.
 */
import { describe, expect, it } from 'vitest';
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Simulator, type Emitted } from '../agent/sim/simulator.js';
import { encodeEvent } from '../drive/encode.js';
import { PLATFORMS } from '../protocol/catalogue/catalogue.js';
import { TargetConfigError } from '../protocol/errors.js';
import { parseEvent } from '../protocol/event.js';
import { statusTopic } from '../protocol/topics.js';
import { compileCodes } from '../transport/wire/codes.js';
import { compileDevicePattern, compileWire } from '../transport/wire/wire.js';
import type { WireConfig } from '../transport/wire/wire-config.js';
import { SMALL_SCENARIO } from './helpers.js';

const scenario = parseScenario(SMALL_SCENARIO, 'small.yaml');

function events(): Emitted[] {
  const fleet = buildFleet(scenario, {});
  const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: scenario.seed });
  const out: Emitted[] = [];
  sim.runToEnd((e) => out.push(e));
  return out;
}
const ALL = events();
const WALL = 1_767_225_600_123.4;

function wire(config: WireConfig | undefined, transport: 'mqtt' | 'http' = 'http', urlPath?: string) {
  return compileWire(config, { platforms: PLATFORMS, runId: 'r1', transport, urlPath });
}

function problem(fn: () => unknown): TargetConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TargetConfigError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('the fleetsim profile', () => {
  it('writes byte for byte what the built-in encoder writes, topic and path too', () => {
    const w = wire(undefined);
    expect(w.builtin).toBe(true);
    expect(ALL.length).toBeGreaterThan(500);
    for (const e of ALL) {
      expect(w.body(e, WALL)).toBe(encodeEvent(e, WALL));
      expect(w.topic(e, WALL)).toBe(statusTopic(e.inst.device.id, e.inst.app.id));
    }
    expect(w.fixedPath).toBe('/v1/events');
    expect(w.method).toBe('POST');
  });

  it('honours the target URL path: HTTP posts there, MQTT topics get it as a prefix', () => {
    const e = ALL[0]!;
    const h = wire(undefined, 'http', '/api/v2/app-status');
    expect(h.builtin).toBe(false);
    expect(h.path(e, WALL)).toBe('/api/v2/app-status');
    const m = wire(undefined, 'mqtt', '/tenant42');
    expect(m.topic(e, WALL)).toBe(`tenant42/devices/${e.inst.device.id}/apps/${e.inst.app.id}/status`);
    const t = wire(undefined, 'http', '/api/devices/%7BdeviceId%7D/status');
    expect(t.path(e, WALL)).toBe(`/api/devices/${e.inst.device.id}/status`);
    expect(t.fixedPath).toBeUndefined();
  });
});

describe('the acme profile (a foreign shape)', () => {
  it("writes the user's own shape, codes and timestamps", () => {
    const w = wire({ profile: 'acme', values: { tenant: { default: 'eu', cohorts: { android: 'us' } } } });
    const e = ALL.find((x) => x.inst.device.platform === 'android' && x.step.native)!;
    const body = JSON.parse(w.body(e, WALL));
    expect(body).toEqual({
      device: { serial: e.inst.device.id, os: 'ANDROID' },
      software: { bundle: e.inst.app.id, version: e.step.version, deployment: `${e.inst.app.id}@${e.step.version}` },
      report: {
        counter: e.seq,
        phase: expect.stringMatching(/^[A-Z_]+$/),
        detail: e.step.state.toUpperCase(),
        vendorCode: e.step.native!.split(':')[1],
        observedAt: new Date(e.step.at).toISOString(),
        sentAt: new Date(Math.round(WALL)).toISOString(),
      },
    });
    expect(w.topic(e, WALL)).toBe(`acme/us/devices/${e.inst.device.id}/software/${e.inst.app.id}`);
    const ios = ALL.find((x) => x.inst.device.platform === 'ios')!;
    expect(w.topic(ios, WALL)).toMatch(/^acme\/eu\//);
    expect(w.method).toBe('PUT');
    expect(w.path(ios, WALL)).toBe(`/api/v2/devices/${ios.inst.device.id}/software/${ios.inst.app.id}/status`);
  });

  it('leaves out an optional key when its value is empty', () => {
    const w = wire({ profile: 'acme' });
    const e = ALL.find((x) => !x.step.native)!;
    expect(JSON.parse(w.body(e, WALL)).report).not.toHaveProperty('vendorCode');
  });

  it('maps back without ambiguity: every (codes) cell comes from one entry of ours', () => {
    const w = wire({ profile: 'acme' });
    for (const list of w.codes.inverse().values()) expect(list).toHaveLength(1);
  });
});

describe('templates of my own', () => {
  it('keep field types, quote strings, escape what needs it, take filters', () => {
    const w = wire({
      body: { n: '{seq}', s: '{seq|lower}', mixed: 'at "{simTs|seconds}"', lit: 7, arr: ['{platform|upper}', null] },
      contentType: 'application/vnd.acme+json',
    });
    const e = ALL[3]!;
    expect(JSON.parse(w.body(e, WALL))).toEqual({
      n: e.seq,
      s: String(e.seq),
      mixed: `at "${Math.floor(e.step.at / 1000)}"`,
      lit: 7,
      arr: [e.inst.device.platform.toUpperCase(), null],
    });
    expect(w.contentType).toBe('application/vnd.acme+json');
  });

  it('a text body renders as written, with literal braces', () => {
    const w = wire({ body: '{{"d":"{deviceId}"}} {statusLabel}', contentType: 'text/plain' });
    const e = ALL[0]!;
    expect(w.body(e, WALL)).toMatch(new RegExp(`^\\{"d":"${e.inst.device.id}"\\} \\S`));
    expect(w.json).toBe(false);
  });

  it('a run namespace on the device id reaches every template', () => {
    const w = wire({ deviceId: '{simDeviceId}.{runId}' });
    const e = ALL[0]!;
    expect(JSON.parse(w.body(e, WALL)).deviceId).toBe(`${e.inst.device.id}.r1`);
    expect(w.topic(e, WALL)).toBe(`devices/${e.inst.device.id}.r1/apps/${e.inst.app.id}/status`);
    expect(w.wireDeviceId(e.inst.device)).toBe(`${e.inst.device.id}.r1`);
    expect(parseEvent(w.body(e, WALL)).ok).toBe(true);
  });

  it('per-device patterns (client id, username) render from the device alone', () => {
    const w = wire({ values: { tenant: 'acme' } });
    const p = compileDevicePattern('{tenant}-{platform}-{deviceId}', ['clientId'], w);
    expect(p(ALL[0]!.inst.device)).toBe(`acme-${ALL[0]!.inst.device.platform}-${ALL[0]!.inst.device.id}`);
    expect(() => compileDevicePattern('{seq}', ['clientId'], w)).toThrow(/seq is not a device field/);
  });
});

describe('mistakes found at load time, with file:line', () => {
  const source = { file: 'staging.yaml', lineOf: (p: readonly (string | number)[]) => 10 + p.length };
  const compile = (config: WireConfig) =>
    compileWire(config, { platforms: PLATFORMS, runId: 'r', transport: 'http', source, basePath: ['wire'] });

  it('an unknown field, with a suggestion', () => {
    const err = problem(() => compile({ body: { id: '{devicId}' } }));
    expect(err.code).toBe('TARGET_CONFIG');
    expect(err.message).toContain('staging.yaml:13: wire.body.id: unknown field "devicId" (did you mean "deviceId"?)');
  });

  it('an unknown filter, an unclosed brace, an unknown profile', () => {
    expect(problem(() => compile({ topic: '{appId|shout}' })).message).toContain('unknown filter "shout"');
    expect(problem(() => compile({ path: '/x/{appId' })).message).toContain('is never closed');
    expect(problem(() => compile({ profile: 'acmee' })).message).toContain(
      'unknown profile "acmee" (did you mean "acme"?)',
    );
  });

  it('a status with no code names the entries and how to fix it', () => {
    const err = problem(() => compile({ codes: { status: { installed: 'DONE', failed: 'ERR' } } }));
    expect(err.message).toMatch(/wire\.codes\.status: no code for \d+ entries: ios\/pending_install, /);
    expect(err.message).toContain('"*" default');
  });

  it('a code key that names no catalogue entry', () => {
    const err = problem(() => compile({ codes: { status: { '*': 'X', instaled: 'DONE' } } }));
    expect(err.message).toContain('wire.codes.status.instaled: "instaled" is not a status (did you mean "installed"?)');
    expect(problem(() => compile({ codes: { state: { '*': 'X', 'ios/failed/nope': 'Y' } } })).message).toContain(
      '"nope" is not a state of status "failed"',
    );
  });

  it('a device id without the simulated id would merge devices', () => {
    expect(problem(() => compile({ deviceId: '{platform}' })).message).toContain('must contain {simDeviceId}');
  });
});

describe('code tables', () => {
  it('the most specific key wins: state over status over platform', () => {
    const t = compileCodes(
      {
        status: { '*': 'S', failed: 'F', 'windows/failed': 'WF' },
        state: { '*': '{state|upper}', 'failed/failed_checksum': 'HASH' },
      },
      ['windows', 'ios'],
    );
    if (Array.isArray(t)) throw new Error(JSON.stringify(t));
    expect(t.cell('windows', 'failed', 'failed_checksum')).toEqual({ status: 'WF', state: 'HASH' });
    expect(t.cell('ios', 'failed', 'install_failed')).toEqual({ status: 'F', state: 'INSTALL_FAILED' });
    expect(t.cell('ios', 'installed', 'installed')).toEqual({ status: 'S', state: 'INSTALLED' });
  });

  it('only the platforms in use need codes', () => {
    expect(Array.isArray(compileCodes({ platform: { ios: 'I' } }, ['ios']))).toBe(false);
    expect(Array.isArray(compileCodes({ platform: { ios: 'I' } }, ['ios', 'dme']))).toBe(true);
  });
});
