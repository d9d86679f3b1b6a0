/**
 * A device's connectivity: outages that come and go on the device's own clock, shared by all its
 * apps. Time is cut into windows of `windowMs`; each window holds one outage of a drawn length
 * at a drawn offset, so the device is offline for `offline` of its time on average. Stateless:
 * whether a device is offline at t is a function of (its key, t) alone, whatever was asked
 * before, so any installation of the device may ask at any time and all get one answer.
 */
import { sampleFrom, type Delay } from '../../core/delay.js';
import { unitAt } from '../../core/rng.js';

export interface Outages {
  /** Share of the time offline; 0: never. */
  readonly offline: number;
  readonly outage: Delay;
  /** Window length: the mean outage over the offline share. */
  readonly windowMs: number;
}

const OUTAGE_SALT = 0x6f75;
/** An outage stays inside its window, so one window answers every question. */
const MAX_SHARE_OF_WINDOW = 0.9;

/** The mean of a delay, ms. */
export function meanMs(d: Delay): number {
  switch (d.kind) {
    case 'fixed':
      return d.ms;
    case 'uniform':
      return (d.minMs + d.maxMs) / 2;
    case 'exponential':
      return d.meanMs;
    case 'lognormal':
      return d.medianMs * Math.exp((d.sigma * d.sigma) / 2);
  }
}

export function outages(offline: number, outage: Delay): Outages {
  const mean = Math.max(1, meanMs(outage));
  return { offline, outage, windowMs: offline > 0 ? mean / Math.min(offline, MAX_SHARE_OF_WINDOW) : Infinity };
}

/** Start and end of the outage in the window holding `t` (scratch: no allocation). */
const span = { start: 0, end: 0 };

function outageAround(o: Outages, key: number, t: number): typeof span {
  const w = o.windowMs;
  const phase = unitAt(key, 0, OUTAGE_SALT) * w;
  const k = Math.floor((t - phase) / w);
  const from = phase + k * w;
  const len = Math.min(
    sampleFrom(o.outage, unitAt(key, k, OUTAGE_SALT + 1), unitAt(key, k, OUTAGE_SALT + 2)),
    w * MAX_SHARE_OF_WINDOW,
  );
  span.start = from + unitAt(key, k, OUTAGE_SALT + 3) * (w - len);
  span.end = span.start + len;
  return span;
}

export function offlineAt(o: Outages, key: number, t: number): boolean {
  if (!(o.offline > 0)) return false;
  const s = outageAround(o, key, t);
  return t >= s.start && t < s.end;
}

/** The first moment at or after `t` when the device is online. */
export function onlineFrom(o: Outages, key: number, t: number): number {
  if (!(o.offline > 0)) return t;
  const s = outageAround(o, key, t);
  return t >= s.start && t < s.end ? Math.ceil(s.end) : t;
}
