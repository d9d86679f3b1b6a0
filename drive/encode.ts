/**
 * Encodes a step as the event JSON, byte for byte what JSON.stringify(toEvent(...)) gives, with
 * less work per event: the strings that repeat (platform, app, version, status, state, native
 * code) are JSON-quoted once and kept, so only the device id, numbers and the join remain.
 */
import { EVENT_SCHEMA_VERSION } from '../protocol/event.js';
import type { Emitted } from '../agent/sim/simulator.js';

/** Quoted forms of the strings a fleet repeats; bounded by the catalogue and the scenario. */
const quoted = new Map<string, string>();
const MAX_CACHED = 10_000;

function q(s: string): string {
  let v = quoted.get(s);
  if (v === undefined) {
    v = JSON.stringify(s);
    if (quoted.size < MAX_CACHED) quoted.set(s, v);
  }
  return v;
}

const V = JSON.stringify(EVENT_SCHEMA_VERSION);

/** `skewMs` shifts the simTs the device reports (a clock-skew fault); the rest is the step's. */
export function encodeEvent(e: Emitted, wallTs: number, skewMs = 0): string {
  const { inst, step } = e;
  const app = inst.app.id;
  const native = step.native ? `,"native":${q(step.native)}` : '';
  const enrolment = e.enrolment ? `,"enrolment":${e.enrolment}` : '';
  return (
    `{"v":${V},"deviceId":${JSON.stringify(inst.device.id)},"platform":${q(inst.device.platform)},"appId":${q(app)},` +
    `"appVersion":${q(step.version)},"jobId":${q(`${app}@${step.version}`)},"seq":${e.seq},"status":${q(step.status)},` +
    `"state":${q(step.state)},"simTs":${step.at + skewMs},"wallTs":${Math.round(wallTs)}${native}${enrolment}}`
  );
}
