/** A run's figures as an exporter reads them, with a known ack-latency histogram: 90 at 2 ms, 10 at 40 ms. */
import { newLatencyHistogram } from '../../drive/metrics.js';
import type { RunFigures } from '../../run/outputs/run-figures.js';

export function sampleFigures(acked = 100): RunFigures {
  const ack = newLatencyHistogram();
  for (let i = 0; i < 90; i++) ack.recordValue(2000);
  for (let i = 0; i < 10; i++) ack.recordValue(40_000);
  return {
    offered: 120,
    sent: 110,
    acked,
    failed: 4,
    retried: 6,
    inFlight: 6,
    window: 64,
    connections: 40,
    devicesOnline: 30,
    devicesDone: 10,
    devicesTotal: 40,
    installsDone: 11,
    installsTotal: 80,
    ack,
    ackP99Ms: 40,
  };
}
