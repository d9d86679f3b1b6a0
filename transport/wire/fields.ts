/**
 * The fields a wire template can name: the event's own (device, app, version, job, seq, status and
 * state ids), the seed's labels, the native code, timestamps, the device's cohort, the user's
 * codes from the mapping tables, and custom values per cohort. Each is one getter chosen when the
 * template is compiled; nothing is looked up by name per event.
 */
import { findState, findStatus, type Platform } from '../../protocol/catalogue/catalogue.js';
import type { Emitted } from '../../agent/sim/simulator.js';
import type { CodeTable } from './codes.js';

/** What a getter may read besides the event: the compiled code table, the custom values, the run. */
export interface WireRuntime {
  codes: CodeTable;
  /** Custom values by name, then by cohort ('' = the default). */
  values: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** The device id as it goes on the wire (a run namespace may extend it). */
  wireDeviceId(deviceId: string, e: Emitted): string;
  runId: string;
}

export type Getter = (e: Emitted, wallTs: number, rt: WireRuntime) => string | number;

export interface FieldDef {
  type: 'string' | 'number';
  /** Values from a small fixed set (catalogue, scenario): safe to cache per value. */
  bounded: boolean;
  /** The field depends only on the device (usable in the device id and client id templates). */
  device: boolean;
  get: Getter;
  doc: string;
}

const label = (e: Emitted, which: 'status' | 'state'): string => {
  const p = e.inst.device.platform;
  return which === 'status'
    ? (findStatus(p, e.step.status)?.label ?? e.step.status)
    : (findState(p, e.step.status, e.step.state)?.label ?? e.step.state);
};

export const FIELDS: Readonly<Record<string, FieldDef>> = {
  deviceId: {
    type: 'string',
    bounded: false,
    device: true,
    get: (e, _w, rt) => rt.wireDeviceId(e.inst.device.id, e),
    doc: 'the device id on the wire (wire.deviceId, default the simulated id)',
  },
  simDeviceId: {
    type: 'string',
    bounded: false,
    device: true,
    get: (e) => e.inst.device.id,
    doc: 'the simulated device id, e.g. ios-000042',
  },
  platform: {
    type: 'string',
    bounded: true,
    device: true,
    get: (e) => e.inst.device.platform,
    doc: 'ios, android, windows or dme',
  },
  cohort: { type: 'string', bounded: true, device: true, get: (e) => e.inst.device.cohort, doc: 'the cohort name' },
  runId: { type: 'string', bounded: true, device: true, get: (_e, _w, rt) => rt.runId, doc: 'the run id' },
  appId: { type: 'string', bounded: true, device: false, get: (e) => e.inst.app.id, doc: 'the app id' },
  appVersion: { type: 'string', bounded: true, device: false, get: (e) => e.step.version, doc: 'the version reported' },
  jobId: {
    type: 'string',
    bounded: true,
    device: false,
    get: (e) => `${e.inst.app.id}@${e.step.version}`,
    doc: 'the distribution, <appId>@<version>',
  },
  seq: { type: 'number', bounded: false, device: false, get: (e) => e.seq, doc: 'per (device, app), from 1' },
  status: { type: 'string', bounded: true, device: false, get: (e) => e.step.status, doc: 'catalogue status id' },
  state: { type: 'string', bounded: true, device: false, get: (e) => e.step.state, doc: 'catalogue state id' },
  statusLabel: {
    type: 'string',
    bounded: true,
    device: false,
    get: (e) => label(e, 'status'),
    doc: "the seed's status label",
  },
  stateLabel: {
    type: 'string',
    bounded: true,
    device: false,
    get: (e) => label(e, 'state'),
    doc: "the seed's state label",
  },
  native: {
    type: 'string',
    bounded: true,
    device: false,
    get: (e) => e.step.native ?? '',
    doc: 'native code, <system>:<code>',
  },
  nativeCode: {
    type: 'string',
    bounded: true,
    device: false,
    get: (e) => (e.step.native ? e.step.native.slice(e.step.native.indexOf(':') + 1) : ''),
    doc: 'the native code without its system',
  },
  simTs: {
    type: 'number',
    bounded: false,
    device: false,
    get: (e) => e.step.at,
    doc: 'simulated time, ms since the epoch',
  },
  wallTs: {
    type: 'number',
    bounded: false,
    device: false,
    get: (_e, w) => Math.round(w),
    doc: 'send time, ms since the epoch',
  },
  platformCode: {
    type: 'string',
    bounded: true,
    device: true,
    get: (e, _w, rt) => rt.codes.platform(e.inst.device.platform),
    doc: 'codes.platform of the platform',
  },
  statusCode: {
    type: 'string',
    bounded: true,
    device: false,
    get: (e, _w, rt) => rt.codes.cell(e.inst.device.platform, e.step.status, e.step.state).status,
    doc: 'codes.status of (platform, status)',
  },
  stateCode: {
    type: 'string',
    bounded: true,
    device: false,
    get: (e, _w, rt) => rt.codes.cell(e.inst.device.platform, e.step.status, e.step.state).state,
    doc: 'codes.state of (platform, status, state)',
  },
};

/** A custom value's getter: the device's cohort's value, else the default. */
export function valueGetter(name: string): Getter {
  return (e, _w, rt) => {
    const byCohort = rt.values.get(name)!;
    return byCohort.get(e.inst.device.cohort) ?? byCohort.get('') ?? '';
  };
}

export type { Platform };
