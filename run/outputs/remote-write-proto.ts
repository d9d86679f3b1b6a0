/**
 * Prometheus remote write 1.0's WriteRequest in protobuf, encoded by hand: the message is four
 * small types (prompb/remote.proto, prompb/types.proto) and we only ever write it, so a
 * protobuf runtime and generated code would be more to keep than the thirty lines below.
 *
 *   WriteRequest   { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 *   TimeSeries     { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label          { string name = 1; string value = 2; }
 *   Sample         { double value = 1; int64 timestamp = 2; }   // timestamp: ms since the epoch
 *   MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
 */

export interface Series {
  /** Label name to value; `__name__` is the metric. Written sorted by name, as the spec requires. */
  labels: Record<string, string>;
  value: number;
  /** ms since the epoch. */
  timestampMs: number;
}

/** prompb's MetricMetadata.MetricType. */
export const METRIC_TYPE = { counter: 1, gauge: 2, histogram: 3 } as const;

export interface Metadata {
  type: keyof typeof METRIC_TYPE;
  family: string;
  help: string;
  unit: string;
}

/** A growing byte buffer with protobuf's varint, length-delimited and fixed64 fields. */
class Writer {
  private buf = Buffer.alloc(1024);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  /** A varint of a non-negative integer up to 2^53 (field tags, lengths, ms timestamps). */
  varint(n: number): void {
    this.room(10);
    let v = n;
    while (v >= 0x80) {
      this.buf[this.at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.at++] = v;
  }

  tag(field: number, wire: 0 | 1 | 2): void {
    this.varint(field * 8 + wire);
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, Buffer.from(s, 'utf8'));
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.room(8);
    this.buf.writeDoubleLE(v, this.at);
    this.at += 8;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}

function label(name: string, value: string): Buffer {
  const w = new Writer();
  w.string(1, name);
  w.string(2, value);
  return w.done();
}

function timeSeries(s: Series): Buffer {
  const w = new Writer();
  const names = Object.keys(s.labels).sort();
  for (const n of names) w.bytes(1, label(n, s.labels[n] as string));
  const sample = new Writer();
  sample.double(1, s.value);
  sample.tag(2, 0);
  sample.varint(s.timestampMs);
  w.bytes(2, sample.done());
  return w.done();
}

function metadata(m: Metadata): Buffer {
  const w = new Writer();
  w.tag(1, 0);
  w.varint(METRIC_TYPE[m.type]);
  w.string(2, m.family);
  w.string(4, m.help);
  if (m.unit) w.string(5, m.unit);
  return w.done();
}

/** The WriteRequest's bytes, before snappy. */
export function encodeWriteRequest(series: readonly Series[], meta: readonly Metadata[] = []): Buffer {
  const w = new Writer();
  for (const s of series) w.bytes(1, timeSeries(s));
  for (const m of meta) w.bytes(3, metadata(m));
  return w.done();
}
