/**
 * The Buffer encoder (drive/encode-bytes.ts) and the lean client's status PUBLISH written in place
 * produce exactly the bytes of the string encoder and of the frame built from the topic string,
 * for every event of whole fleets and for the values the fast paths leave to a fallback.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { planFaults } from '../agent/faults/plan.js';
import { buildFleet } from '../agent/fleet/fleet.js';
import { loadScenario } from '../agent/scenario/load.js';
import { Simulator, type Emitted } from '../agent/sim/simulator.js';
import { encodeEvent } from '../drive/encode.js';
import { EventBytes } from '../drive/encode-bytes.js';
import { statusTopic } from '../protocol/topics.js';
import { publishFrame, statusPublishFrame, topicBytes } from '../transport/mqtt-lean/frames.js';
import { ROOT } from './helpers.js';

/** Every event of a shipped scenario's fleet, as the simulator hands them to the drive. */
function eventsOf(file: string): Emitted[] {
  const scenario = loadScenario(join(ROOT, 'scenarios', file));
  const fleet = buildFleet(scenario, { seed: scenario.seed });
  const faults = planFaults(scenario, { seed: scenario.seed });
  const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: scenario.seed, faults });
  const out: Emitted[] = [];
  sim.runToEnd((e) => out.push(e));
  return out;
}

/** The same event with other values where the fast paths stop. */
function variant(e: Emitted, deviceId: string, at: number, seq = e.seq): Emitted {
  return {
    ...e,
    seq,
    inst: { ...e.inst, device: { ...e.inst.device, id: deviceId } },
    step: { ...e.step, at },
  } as Emitted;
}

describe('the Buffer encoder', () => {
  const bytes = new EventBytes();
  const same = (e: Emitted, wall: number, skew = 0) => {
    const b = bytes.prepare(e, wall, skew).toBuffer();
    const want = Buffer.from(encodeEvent(e, wall, skew), 'utf8');
    if (!b.equals(want)) expect(b.toString('utf8')).toBe(want.toString('utf8'));
    expect(b.length).toBe(want.length);
  };

  it("writes exactly the string encoder's bytes for every event of the quick start's fleet", () => {
    const events = eventsOf('quickstart.yaml');
    expect(events.length).toBeGreaterThan(10_000);
    let wall = 1_764_547_200_123.4;
    for (const e of events) same(e, (wall += 0.7));
    // every status, native code and platform of the fleet went through the cached fragments
    expect(new Set(events.map((e) => e.step.native)).size).toBeGreaterThan(5);
  });

  it('and for a fleet with factory resets (enrolment) under clock skew', () => {
    const events = eventsOf('faults/factory-reset.yaml');
    expect(events.some((e) => e.enrolment)).toBe(true);
    for (const e of events) same(e, 1_000_000, e.seq % 2 ? -3_600_000 : 250);
  });

  it('falls back where a value is not plain: escaped or non-ASCII ids, fractional, negative or huge numbers', () => {
    const e = eventsOf('quickstart.yaml')[0]!;
    for (const id of ['dev "quoted"', 'back\\slash', 'tab\there', 'ünïcødé-📱', 'lone\ud800', '', 'a/b'])
      same(variant(e, id, e.step.at), 5);
    for (const at of [0, 9, 10, 2_147_483_647, 2_147_483_648, 1e8, 99_999_999, 12.5, -1, 2 ** 53, 2 ** 60, Number.NaN])
      same(variant(e, 'dev-1', at), at === 12.5 ? 0.5 : 7);
    same(variant(e, 'dev-1', 1000, 0), 1.5);
    same(e, -0.4);
    same(e, 1e21);
  });
});

describe("the lean client's status PUBLISH written in place", () => {
  it('is byte for byte the frame built from the topic string, for every QoS and payload kind', () => {
    const e = eventsOf('quickstart.yaml')[3]!;
    const writer = new EventBytes();
    for (const id of ['ios-000001', 'ünïcødé-📱', e.inst.device.id])
      for (const qos of [0, 1, 2] as const) {
        const text = encodeEvent(e, 77);
        const want = publishFrame(topicBytes(statusTopic(id, e.inst.app.id)), text, qos, 513);
        expect(statusPublishFrame(id, e.inst.app.id, text, qos, 513).equals(want)).toBe(true);
        expect(statusPublishFrame(id, e.inst.app.id, writer.prepare(e, 77), qos, 513).equals(want)).toBe(true);
        expect(publishFrame(topicBytes(statusTopic(id, e.inst.app.id)), Buffer.from(text), qos, 513)).toEqual(want);
      }
  });

  it('carries a long payload with a multi-byte remaining length', () => {
    const payload = 'x'.repeat(20_000);
    const want = publishFrame(topicBytes(statusTopic('d', 'a')), payload, 1, 1);
    expect(statusPublishFrame('d', 'a', payload, 1, 1).equals(want)).toBe(true);
    expect(want[2]! & 0x80).toBe(0x80);
  });
});
