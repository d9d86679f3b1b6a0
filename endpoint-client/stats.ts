/**
 * End-to-end latency (event created on the device -> counted by the endpoint) as the endpoint
 * reports it: `GET /v1/stats` of the embedded endpoint, or of an external one that speaks the
 * same API (another `fleetsim serve`), carries an HDR histogram of ingest time minus the event's
 * wallTs. We read it once the run is settled. An endpoint without one gives `undefined` and the
 * result says why.
 */
import { getBounded } from './get.js';
import type { JsHistogram } from 'hdr-histogram-js';
import { decodeHistogram, newLatencyHistogram, type Histogram } from '../drive/metrics.js';

export interface EndToEndReading {
  /** Microseconds, like every latency histogram in a result. */
  histogram: Histogram;
  source: string;
}

type Encoded = { hdr?: unknown; unit?: unknown };

/**
 * Where an endpoint's stats may carry the end-to-end histogram: fleetsim's own endpoint has
 * `latency.endToEnd` (broker/endpoint-metrics.ts, µs). Not `latency.ingest`: that one is
 * received -> acknowledged inside the endpoint, a different measure.
 */
const PATHS = [['latency', 'endToEnd'], ['endToEnd'], ['e2e']];

/** Finds an encoded histogram in a stats document; pure, so it is tested without a server. */
export function findEndToEnd(stats: unknown): { hdr: string; unit: 'us' | 'ms'; field: string } | undefined {
  for (const path of PATHS) {
    let v: unknown = stats;
    for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    const e = v as Encoded | undefined;
    if (e && typeof e === 'object' && typeof e.hdr === 'string')
      return { hdr: e.hdr, unit: e.unit === 'ms' ? 'ms' : 'us', field: path.join('.') };
  }
  return undefined;
}

/** A histogram recorded in ms, re-recorded in µs so it adds to the others. */
function msToUs(h: Histogram): Histogram {
  const out = newLatencyHistogram();
  const js = h as unknown as JsHistogram;
  for (let i = 0; i < js.countsArrayLength; i++) {
    const n = js.getCountAtIndex(i);
    if (n > 0) out.recordValueWithCount(Math.max(1, js.valueFromIndex(i) * 1000), n);
  }
  return out;
}

export async function readEndToEnd(baseUrl: string): Promise<EndToEndReading | string> {
  let stats: unknown;
  try {
    const res = await getBounded(new URL('/v1/stats', baseUrl));
    if (res.statusCode !== 200) {
      await res.body.dump();
      return `GET /v1/stats answered ${res.statusCode}`;
    }
    stats = await res.body.json();
  } catch (err) {
    return `GET /v1/stats failed: ${(err as Error).message}`;
  }
  const found = findEndToEnd(stats);
  if (!found) return "the endpoint's /v1/stats has no ingest-latency histogram";
  try {
    const h = decodeHistogram(found.hdr);
    return {
      histogram: found.unit === 'ms' ? msToUs(h) : h,
      source: `${new URL('/v1/stats', baseUrl).href} ${found.field}`,
    };
  } catch (err) {
    return `the endpoint's ${found.field} is not an HdrHistogram: ${(err as Error).message}`;
  }
}
