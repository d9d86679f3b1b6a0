/**
 * The ingest seam: what an ingestion endpoint does with one event once it is off the wire
 * (MQTT PUBLISH, HTTP POST, or nothing at all for the in-memory transport). It checks the
 * sender's credential once per session, as an MQTT CONNECT or a bearer token is checked; then,
 * per event, it validates the payload against the contract (protocol/event.ts), applies it, and
 * answers. The answer comes when the event may be acknowledged: "accepted" means counted (and
 * durable where the endpoint journals), "duplicate" and "stale" mean it was already known and
 * changed nothing, "rejected" names the field that was wrong and why, and changed nothing either;
 * "unavailable" means the endpoint is shutting down and took nothing (send it to its successor).
 */

/** Why an event was refused: the field (or "(payload)", "acl") and a sentence for a person. */
export interface IngestRejection {
  outcome: 'rejected';
  field: string;
  reason: string;
}

export type IngestAnswer = { outcome: 'accepted' | 'duplicate' | 'stale' | 'unavailable' } | IngestRejection;

export const ACCEPTED: IngestAnswer = Object.freeze({ outcome: 'accepted' });
export const DUPLICATE: IngestAnswer = Object.freeze({ outcome: 'duplicate' });
export const STALE: IngestAnswer = Object.freeze({ outcome: 'stale' });
export const UNAVAILABLE: IngestAnswer = Object.freeze({ outcome: 'unavailable' });

/** One sender's events: the credential was checked when the session opened. */
export interface IngestSession {
  /**
   * Validates and applies one event's payload (its JSON text, as a device would put on the
   * wire); `answer` runs once, when the event may be acknowledged.
   */
  submit(payload: string | Buffer, answer: (a: IngestAnswer) => void): void;
}

export type IngestOpen = { ok: true; session: IngestSession } | { ok: false; reason: string };

export interface IngestSink {
  /** True when a session needs a credential. */
  readonly authRequired: boolean;
  /**
   * Opens a session for a credential in the bearer form of protocol/credentials.ts
   * (`<deviceId>.<password>` for a device, or the fleet token); undefined when auth is off.
   */
  open(credential: string | undefined): IngestOpen;
}
