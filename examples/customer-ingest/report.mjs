// The customer's status report, as its devices send it (JSON over MQTT or HTTPS):
// { device: { serial, os }, software: { bundle, version, deployment },
//   report: { counter, phase, detail, vendorCode?, observedAt, sentAt } }
// parseReport checks it and flattens it into the row the store keeps.

const OS = new Set(['IOS', 'ANDROID', 'WINDOWS', 'OMADM']);
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** @returns {{ ok: true, row: object } | { ok: false, reason: string }} */
export function parseReport(text, tenant) {
  let r;
  try {
    r = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const d = r?.device;
  const s = r?.software;
  const p = r?.report;
  if (!d || !s || !p) return { ok: false, reason: 'expected device, software and report objects' };
  if (typeof d.serial !== 'string' || !ID.test(d.serial)) return { ok: false, reason: 'device.serial' };
  if (!OS.has(d.os)) return { ok: false, reason: `device.os must be one of ${[...OS].join(', ')}` };
  if (typeof s.bundle !== 'string' || !ID.test(s.bundle)) return { ok: false, reason: 'software.bundle' };
  if (typeof s.version !== 'string' || typeof s.deployment !== 'string')
    return { ok: false, reason: 'software.version' };
  if (!Number.isInteger(p.counter) || p.counter < 1) return { ok: false, reason: 'report.counter' };
  if (!CODE.test(p.phase ?? '') || !CODE.test(p.detail ?? ''))
    return { ok: false, reason: 'report.phase / report.detail' };
  const observedAt = Date.parse(p.observedAt);
  if (Number.isNaN(observedAt)) return { ok: false, reason: 'report.observedAt' };
  return {
    ok: true,
    row: {
      tenant,
      serial: d.serial,
      os: d.os,
      bundle: s.bundle,
      version: s.version,
      deployment: s.deployment,
      phase: p.phase,
      detail: p.detail,
      vendorCode: typeof p.vendorCode === 'string' ? p.vendorCode : null,
      counter: p.counter,
      observedAt: new Date(observedAt).toISOString(),
    },
  };
}

/** FNV-1a of a string: the lossy mode drops the reports whose hash falls in 1 of N. */
export function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A deliberately buggy service loses the reports this picks: about 1 in `n`, the same ones every run. */
export function isLost(row, n) {
  return n > 0 && fnv1a(`${row.serial}/${row.bundle}/${row.counter}`) % n === 0;
}
