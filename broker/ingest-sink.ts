/**
 * The embedded endpoint's ingest sink (protocol/ingest-sink.ts): the same checks and the same
 * owner of the tallies as MQTT and HTTP (the event contract, the ACL, the Ingestor with its
 * journal), with no socket in between. The in-memory transport delivers here; a refused event is
 * counted and logged under its reason exactly as over the wire. `admit` is the check HTTP's
 * POST /v1/events runs on every event too; MQTT checks its topic's ACL before the payload.
 */
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../core/clock.js';
import { type EventCheck, parseEvent, type StatusEvent } from '../protocol/event.js';
import {
  ACCEPTED,
  DUPLICATE,
  type IngestAnswer,
  type IngestOpen,
  type IngestSession,
  type IngestSink,
  STALE,
  UNAVAILABLE,
} from '../protocol/ingest-sink.js';
import { type Authenticator, mayReportFor, type Principal } from './auth.js';
import type { EndpointMetrics } from './endpoint-metrics.js';
import type { Ingestor } from './ingestor.js';
import { RefusalLog } from './refusal-log.js';
import type { IngestOutcome, TallyStore } from './store.js';

/** An event that passed the contract and the ACL, or why not (`reasonKey` is what is counted). */
export type Admission =
  | { ok: true; event: StatusEvent }
  | { ok: false; field: string; reason: string; reasonKey: string };

/** The checks every event passes before it is applied, whatever carried it: the contract, then the ACL. */
export function admit(check: EventCheck, principal: Principal | undefined): Admission {
  if (!check.ok) return { ok: false, field: check.field, reason: check.reason, reasonKey: check.field };
  if (principal && !mayReportFor(principal, check.event.deviceId)) {
    return {
      ok: false,
      field: principal.kind === 'device' ? 'deviceId' : 'authorization',
      reasonKey: 'acl',
      reason:
        principal.kind === 'device'
          ? `this token belongs to device "${principal.deviceId}", which may not report for device "${check.event.deviceId}"`
          : 'the admin token is for reads; report events with a device or fleet token',
    };
  }
  return check;
}

const ANSWERS: Record<IngestOutcome, IngestAnswer> = { accepted: ACCEPTED, duplicate: DUPLICATE, stale: STALE };

export interface SinkDeps {
  store: TallyStore;
  ingestor: Ingestor;
  metrics: EndpointMetrics;
  auth: Authenticator;
  log: Logger;
  /** True once the endpoint is closing: nothing more is taken. */
  draining: () => boolean;
  /** Time of receipt and the ingest latency. @default systemClock */
  clock?: Clock;
}

class Session implements IngestSession {
  constructor(
    private readonly d: SinkDeps,
    private readonly refusals: RefusalLog,
    private readonly principal: Principal | undefined,
  ) {}

  submit(payload: string | Buffer, answer: (a: IngestAnswer) => void): void {
    const { store, ingestor, metrics } = this.d;
    if (this.d.draining()) return answer(UNAVAILABLE);
    const clock = this.d.clock ?? systemClock;
    const t0 = clock.now();
    const a = admit(parseEvent(payload), this.principal);
    if (!a.ok) {
      store.reject(a.reasonKey);
      this.refusals.log({ transport: 'memory', field: a.field, reason: a.reason });
      answer({ outcome: 'rejected', field: a.field, reason: a.reason });
      return;
    }
    ingestor.ingest(a.event, Math.floor(clock.now()), (outcome) => {
      metrics.ingest.record((clock.now() - t0) * 1000);
      answer(ANSWERS[outcome]);
    });
  }
}

export class EndpointSink implements IngestSink {
  private readonly open_: IngestOpen | undefined;
  private readonly refusals: RefusalLog;

  constructor(private readonly d: SinkDeps) {
    this.refusals = new RefusalLog(d.log);
    // With auth off every sender is the same anonymous one: one session serves them all.
    if (!d.auth.enabled) this.open_ = { ok: true, session: new Session(d, this.refusals, undefined) };
  }

  get authRequired(): boolean {
    return this.d.auth.enabled;
  }

  open(credential: string | undefined): IngestOpen {
    if (this.open_) return this.open_;
    const p = credential === undefined ? undefined : this.d.auth.bearer(`Bearer ${credential}`);
    // As over HTTP, the admin token is for reads: it cannot move a tally.
    if (p && p.kind !== 'admin') return { ok: true, session: new Session(this.d, this.refusals, p) };
    this.d.metrics.authFailures++;
    this.d.log.warn({ transport: 'memory', hasCredentials: credential !== undefined }, 'session refused: credentials');
    return {
      ok: false,
      reason:
        p?.kind === 'admin'
          ? 'the admin token is for reads; report events with a device or fleet token'
          : credential === undefined
            ? 'auth is on: a device or fleet token is needed'
            : 'the credential is not valid for this endpoint',
    };
  }
}
