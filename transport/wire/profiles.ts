/**
 * Built-in wire profiles. `fleetsim` is today's contract (docs/protocol.md), byte for byte what
 * the built-in encoder writes. `acme` shows the idea on a realistic foreign shape: the user's own
 * topic and REST path, nested JSON with its own field names, upper-case codes of its own, ISO
 * timestamps; examples/customer-ingest is a service that speaks it.
 */
import type { WireConfig } from './wire-config.js';

export const FLEETSIM_PROFILE: WireConfig = {
  topic: 'devices/{deviceId}/apps/{appId}/status',
  method: 'POST',
  path: '/v1/events',
  contentType: 'application/json',
  body: {
    v: 1,
    deviceId: '{deviceId}',
    platform: '{platform}',
    appId: '{appId}',
    appVersion: '{appVersion}',
    jobId: '{jobId}',
    seq: '{seq}',
    status: '{status}',
    state: '{state}',
    simTs: '{simTs}',
    wallTs: '{wallTs}',
    native: '{native?}',
  },
};

export const ACME_PROFILE: WireConfig = {
  topic: 'acme/{tenant}/devices/{deviceId}/software/{appId}',
  method: 'PUT',
  path: '/api/v2/devices/{deviceId}/software/{appId}/status',
  contentType: 'application/json',
  values: { tenant: 'default' },
  body: {
    device: { serial: '{deviceId}', os: '{platformCode}' },
    software: { bundle: '{appId}', version: '{appVersion}', deployment: '{jobId}' },
    report: {
      counter: '{seq}',
      phase: '{statusCode}',
      detail: '{stateCode}',
      vendorCode: '{nativeCode?}',
      observedAt: '{simTs|iso}',
      sentAt: '{wallTs|iso}',
    },
  },
  codes: {
    platform: { ios: 'IOS', android: 'ANDROID', windows: 'WINDOWS', dme: 'OMADM' },
    status: {
      pending_install: 'QUEUED',
      not_relevant: 'NOT_APPLICABLE',
      installing: 'IN_PROGRESS',
      installed: 'INSTALLED',
      success: 'INSTALLED',
      removed: 'REMOVED',
      pending_update: 'UPDATE_QUEUED',
      updating: 'UPDATING',
      upgrade_failed: 'UPDATE_FAILED',
      unknown: 'UNKNOWN',
      failed: 'FAILED',
      errors: 'FAILED',
    },
    state: { '*': '{state|upper}' },
  },
};

export const PROFILES: Readonly<Record<string, WireConfig>> = { fleetsim: FLEETSIM_PROFILE, acme: ACME_PROFILE };
