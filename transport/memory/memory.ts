/**
 * In-memory transport: events go straight into an endpoint's ingest sink (protocol/ingest-sink.ts)
 * in the same process, with no socket, so a run or a test exercises the endpoint's real checks and
 * tally store without the network. Each device has its own session (its credential is checked
 * once, as an MQTT CONNECT is); events sent in one turn of the event loop are delivered together
 * in the next, so an acknowledgement never comes back inside `send`, as with a real wire.
 */
import type { IngestAnswer, IngestSession, IngestSink } from '../../protocol/ingest-sink.js';
import { emptyStats, SendError, type SendDone, type Transport, type TransportStats } from '../types.js';

export interface MemoryTransportOptions {
  sink: IngestSink;
  /** One credential for every device (a fleet token). */
  token?: string;
  /** A credential per device (scenario auth, mode device); wins over `token`. */
  credentialFor?: (deviceId: string) => string;
}

/** A device's session, or why the sink refused to open one. */
type Opened = IngestSession | SendError;

export class MemoryTransport implements Transport {
  readonly kind = 'memory' as const;
  private readonly sessions = new Map<string, Opened>();
  private readonly counters: TransportStats = emptyStats();
  // The turn's events in parallel arrays: no object per event on the way in.
  private devices: string[] = [];
  private payloads: string[] = [];
  private dones: SendDone[] = [];
  /** Devices done since the last delivery: their sessions go once their queued events are in. */
  private finished: string[] = [];
  private flushScheduled = false;
  private pending = 0;
  private settled: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  onCongestion: (() => void) | undefined;

  constructor(private readonly opts: MemoryTransportOptions) {}

  async preflight(): Promise<void> {
    // Nothing to reach: the sink is in this process.
  }

  send(deviceId: string, _appId: string, payload: string, done: SendDone): void {
    if (this.closing) {
      done(new SendError('the in-memory transport is closed', 'network'));
      return;
    }
    this.pending++;
    this.devices.push(deviceId);
    this.payloads.push(payload);
    this.dones.push(done);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private session(deviceId: string): Opened {
    let s = this.sessions.get(deviceId);
    if (s) return s;
    const credential = this.opts.credentialFor?.(deviceId) ?? this.opts.token;
    const opened = this.opts.sink.open(credential);
    s = opened.ok
      ? opened.session
      : new SendError(`the endpoint refused device "${deviceId}": ${opened.reason}`, 'refused');
    this.sessions.set(deviceId, s);
    if (this.sessions.size > this.counters.peakConnections) this.counters.peakConnections = this.sessions.size;
    return s;
  }

  private flush(): void {
    this.flushScheduled = false;
    const devices = this.devices;
    const payloads = this.payloads;
    const dones = this.dones;
    const finished = this.finished;
    this.devices = [];
    this.payloads = [];
    this.dones = [];
    this.finished = [];
    for (let i = 0; i < devices.length; i++) {
      const s = this.session(devices[i]!);
      const done = dones[i]!;
      if (s instanceof SendError) this.answered(done, s);
      else s.submit(payloads[i]!, (a) => this.answered(done, errorOf(a)));
    }
    for (const id of finished) this.sessions.delete(id);
  }

  private answered(done: SendDone, err: SendError | undefined): void {
    this.pending--;
    done(err);
    if (this.pending === 0) this.settled?.();
  }

  deviceDone(deviceId: string): void {
    this.finished.push(deviceId);
    this.scheduleFlush();
  }

  connections(): number {
    return this.sessions.size;
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  /** Delivers what is queued and resolves once every event sent has its answer. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.flush();
      if (this.pending > 0) await new Promise<void>((resolve) => (this.settled = resolve));
      this.sessions.clear();
    })();
    return this.closing;
  }
}

function errorOf(a: IngestAnswer): SendError | undefined {
  if (a.outcome === 'rejected')
    return new SendError(`the endpoint refused the event: ${a.field}: ${a.reason}`, 'refused');
  if (a.outcome === 'unavailable') return new SendError('the endpoint is shutting down', 'network');
  return undefined;
}
