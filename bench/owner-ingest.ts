/**
 * The owner's ingest cost per event, in process: what `serve` (and with --workers, its owner, for
 * every broker) spends applying an event once it is parsed and checked. Two parts, each timed in
 * CPU of this process over rounds, medians with min-max: the tally store alone (the pair's latest
 * state, its history, four tally cells moved), and a worker's batch through the owner's IPC side
 * (the flat rows decoded, the store, the outcome codes and one answer per batch) with the batch
 * sizes the scale bench sees. The events are a realistic mix (20,000 devices over the four
 * platforms, every catalogue state, seq rising per device: nearly all accepted), and each string
 * is a fresh one, as JSON.parse gives them.
 *
 *   npm run build && node dist/bench/owner-ingest.js [--events 400000] [--rounds 5]
 */
import { LocalIngestor } from '../broker/ingestor.js';
import { EndpointMetrics } from '../broker/endpoint-metrics.js';
import { type EventRows, pushEvent } from '../broker/ipc-events.js';
import { WorkerAnswers } from '../broker/ipc-owner.js';
import { TallyStore } from '../broker/store.js';
import { allStates, PLATFORMS, type Platform } from '../protocol/catalogue/catalogue.js';
import { EVENT_SCHEMA_VERSION, type StatusEvent } from '../protocol/event.js';
import { startRecord } from './method/output.js';
import { argOf, spread } from './method/stats.js';

const EVENTS = argOf('events', 400_000);
const ROUNDS = argOf('rounds', 5);
const BATCH = argOf('batch', 16);
const DEVICES = 20_000;
const done = startRecord('owner-ingest', {
  events: EVENTS,
  rounds: ROUNDS,
  batch: BATCH,
  how: `In one process, no sockets: ${EVENTS.toLocaleString('en-US')} events on ${DEVICES.toLocaleString('en-US')} devices applied to a fresh TallyStore, and the same through the owner's IPC side (flat rows of ${BATCH} events per batch, decoded, applied, answered), ${ROUNDS} rounds each; CPU of this process per event. Command: \`node dist/bench/owner-ingest.js\`.`,
});

const states = new Map<Platform, { status: string; state: string }[]>();
for (const s of allStates())
  states.set(s.platform, [...(states.get(s.platform) ?? []), { status: s.status.id, state: s.state.id }]);

function eventAt(i: number): StatusEvent {
  const d = i % DEVICES;
  const platform = PLATFORMS[d % PLATFORMS.length]!;
  const list = states.get(platform)!;
  const s = list[(i * 7919) % list.length]!;
  const seq = Math.floor(i / DEVICES) + 1;
  const e: StatusEvent = {
    v: EVENT_SCHEMA_VERSION,
    deviceId: `${platform}-${String(d).padStart(6, '0')}`,
    platform,
    appId: 'com.acme.mail',
    appVersion: '4.2.0',
    jobId: 'job-bench',
    seq,
    status: s.status,
    state: s.state,
    simTs: 1_767_600_000_000 + seq * 1000,
    wallTs: 1_767_600_000_000,
  };
  return JSON.parse(JSON.stringify(e)) as StatusEvent;
}

const events = Array.from({ length: EVENTS }, (_, i) => eventAt(i));
const batches: EventRows[] = [];
for (let i = 0; i < EVENTS; i += BATCH) {
  const rows: EventRows = [];
  for (let k = i; k < Math.min(EVENTS, i + BATCH); k++) pushEvent(rows, events[k]!);
  // as node's IPC channel hands them over: parsed from JSON, fresh strings
  batches.push(JSON.parse(JSON.stringify(rows)) as EventRows);
}

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

function storeRound(): number {
  const store = new TallyStore();
  const t0 = cpuUs();
  for (let i = 0; i < events.length; i++) store.ingest(events[i]!, 1_767_600_000_000);
  return (cpuUs() - t0) / events.length;
}

async function ipcRound(): Promise<number> {
  const store = new TallyStore();
  const ingestor = new LocalIngestor(store, new EndpointMetrics());
  let answered = 0;
  const answers = new WorkerAnswers(ingestor, (r) => {
    if (r.t === 'answers') answered += r.outcomes.length;
  });
  const t0 = cpuUs();
  await new Promise<void>((resolve) => {
    let b = 0;
    // a few batches per event-loop pass, as a busy broker sends them
    const pass = () => {
      for (let k = 0; k < 8 && b < batches.length; k++, b++) answers.take(b + 1, 1_767_600_000_000, batches[b]!);
      if (b < batches.length) setImmediate(pass);
      else setImmediate(() => setImmediate(resolve));
    };
    pass();
  });
  if (answered !== events.length) throw new Error(`answered ${answered} of ${events.length}`);
  return (cpuUs() - t0) / events.length;
}

const store: number[] = [];
const ipc: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  store.push(storeRound());
  ipc.push(await ipcRound());
}
const round2 = (xs: number[]) => xs.map((x) => Math.round(x * 1000) / 1000);
const summary = { storeCpuUsPerEvent: spread(round2(store)), ownerIpcCpuUsPerEvent: spread(round2(ipc)) };
process.stderr.write(`${JSON.stringify(summary)}\n`);
done(
  store.map((s, i) => ({ round: i + 1, storeCpuUsPerEvent: s, ownerIpcCpuUsPerEvent: ipc[i] })),
  summary,
);
