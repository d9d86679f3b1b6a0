/**
 * The run's figures as Prometheus remote-write series: the same names, labels and histogram
 * buckets that `--metrics-port` exposes (run-figures.ts), so a dashboard reads a pushed run and a
 * scraped one alike. Process metrics are left out: they describe this process, which a scrape
 * of it reports, not the run.
 */
import type { Metadata, Series } from './remote-write-proto.js';
import { ACK_BUCKETS_S, ACK_LATENCY, countUpTo, promName, RUN_FIGURES, type RunFigures } from './run-figures.js';

export const UP = {
  name: 'fleetsim_run_up',
  help: '1 while the run drives its fleet, 0 in the last push after it finished.',
};

/** Every series of one push, stamped `timestampMs`, with `labels` (job, scenario, shard) on each. */
export function runSeries(f: RunFigures, up: boolean, labels: Record<string, string>, timestampMs: number): Series[] {
  const one = (name: string, value: number, extra: Record<string, string> = {}): Series => ({
    labels: { ...labels, ...extra, __name__: name },
    value,
    timestampMs,
  });
  const out = RUN_FIGURES.map((def) => one(promName(def, def.kind === 'counter'), def.pick(f)));
  out.push(one(UP.name, up ? 1 : 0));
  const h = f.ack;
  if (h && h.totalCount > 0) {
    const base = promName(ACK_LATENCY);
    for (const le of ACK_BUCKETS_S) out.push(one(`${base}_bucket`, countUpTo(h, le * 1e6), { le: String(le) }));
    out.push(one(`${base}_bucket`, h.totalCount, { le: '+Inf' }));
    out.push(one(`${base}_sum`, (h.mean * h.totalCount) / 1e6));
    out.push(one(`${base}_count`, h.totalCount));
  }
  return out;
}

/** TYPE, HELP and UNIT of each family, as a scrape would have given them. */
export function runMetadata(): Metadata[] {
  const out: Metadata[] = RUN_FIGURES.map((def) => ({
    type: def.kind,
    family: promName(def, def.kind === 'counter'),
    help: def.help,
    unit: def.unit === 's' ? 'seconds' : '',
  }));
  out.push({ type: 'gauge', family: UP.name, help: UP.help, unit: '' });
  out.push({ type: 'histogram', family: promName(ACK_LATENCY), help: ACK_LATENCY.help, unit: 'seconds' });
  return out;
}
