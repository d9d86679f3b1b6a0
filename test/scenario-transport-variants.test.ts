/**
 * A transport is its own variant of the scenario's `transport`, with its own options, as load
 * models are; the old place (`load.http`, `load.mqtt`) is still read, with a notice saying the
 * exact line to write, and a file giving both is refused.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../agent/scenario/load.js';
import { scenarioNotices } from '../agent/scenario/notices.js';
import { ScenarioError } from '../protocol/errors.js';
import { transportOptions } from '../transport/registry.js';

const BASE = 'name: x\napps: [{ id: a }]\ncohorts: [{ name: c, platform: ios, count: 2 }]\n';
const parse = (extra: string) => parseScenario(`${BASE}${extra}\n`, 'x.yaml');

function refusal(extra: string): ScenarioError {
  try {
    parse(extra);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected the scenario to be refused');
}

describe('transport variants', () => {
  it('keeps the kind a string and hands the variant its options, flags winning, defaults last', () => {
    const s = parse('transport: { kind: http, connections: 16, batch: 50 }');
    expect(s.transport).toBe('http');
    expect(s.transportOptions).toEqual({ connections: 16, batch: 50 });
    expect(transportOptions('http', s)).toEqual({ connections: 16, pipelining: 1, batch: 50 });
    expect(transportOptions('http', s, { batch: 5 })).toEqual({ connections: 16, pipelining: 1, batch: 5 });
    // --transport mqtt on an http scenario: the http variant's options do not apply to mqtt
    expect(transportOptions('mqtt', s)).toMatchObject({ qos: 1, keepalive: 60 });
    expect(scenarioNotices(s)).toEqual([]);
  });

  it("gives MQTT the scenario's qos unless its variant names one", () => {
    expect(transportOptions('mqtt', parse('qos: 0\ntransport: { kind: mqtt, keepalive: 300 }'))).toMatchObject({
      qos: 0,
      keepalive: 300,
    });
    expect(transportOptions('mqtt', parse('qos: 0\ntransport: { kind: mqtt, qos: 2 }')).qos).toBe(2);
  });

  it("checks a variant's options with its own schema, at their line", () => {
    expect(refusal('transport: { kind: http, batchh: 50 }').message).toContain(
      'x.yaml:4: transport.batchh: unknown field "batchh" (did you mean "batch"?); expected one of kind, connections, pipelining, batch',
    );
    expect(refusal('transport: { kind: http, batch: 0 }').message).toContain('x.yaml:4: transport.batch: at least 1');
    expect(refusal('transport: { kind: mqtt, qos: 3 }').message).toContain('transport.qos: expected 0, 1 or 2, got 3');
    expect(refusal('transport: { kind: htp }').message).toContain(
      'transport.kind: expected kind to be one of "mqtt", "http", "memory", got "htp" (did you mean "http"?)',
    );
    expect(refusal('transport: htp').message).toContain(
      'transport: expected mqtt, http, memory, or { kind: one of them, ...its options }, got "htp"',
    );
  });

  it('still reads load.http and load.mqtt, with a notice giving the line to write instead', () => {
    const s = parse('transport: http\nload: { http: { connections: 16, batch: 50 }, mqtt: { keepalive: 300 } }');
    expect(transportOptions('http', s)).toEqual({ connections: 16, pipelining: 1, batch: 50 });
    expect(transportOptions('mqtt', s)).toMatchObject({ keepalive: 300 });
    expect(scenarioNotices(s)).toEqual([
      "x.yaml:5: load.mqtt is deprecated: a transport's options sit in its own variant of `transport` now. Write `transport: { kind: mqtt, keepalive: 300 }` and delete load.mqtt. It applies only when the run's transport is mqtt (--transport mqtt).",
      "x.yaml:5: load.http is deprecated: a transport's options sit in its own variant of `transport` now. Write `transport: { kind: http, connections: 16, batch: 50 }` and delete load.http.",
    ]);
  });

  it('refuses options given in both places, naming what to move', () => {
    const err = refusal('transport: { kind: http, batch: 10 }\nload: { http: { connections: 16 } }');
    expect(err.message).toContain(
      "x.yaml:5: load.http: the http transport's options are given twice, in load.http (the old place) and in transport: move connections into transport: { kind: http, ... } and delete load.http",
    );
  });
});
