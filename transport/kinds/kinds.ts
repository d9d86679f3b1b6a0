/**
 * The transports a run can use, by kind: the declarations only (one file each beside this one),
 * no implementation, so the scenario schema, the CLI and the result can name transports without
 * loading a socket library. `TransportKind` is derived from this record; transport/registry.ts pairs
 * each kind with its factory, and the type checker refuses a kind without one.
 */
import type { z } from 'zod';
import { UsageError } from '../../protocol/errors.js';
import { httpTransport } from './http.js';
import { memoryTransport } from './memory.js';
import { mqttTransport } from './mqtt.js';

export const TRANSPORTS = { mqtt: mqttTransport, http: httpTransport, memory: memoryTransport } as const;

export type TransportKind = keyof typeof TRANSPORTS;
export const TRANSPORT_KINDS = Object.keys(TRANSPORTS) as [TransportKind, ...TransportKind[]];

/** A transport's options once validated, defaults filled in. */
export type TransportOptions<K extends TransportKind = TransportKind> = z.output<(typeof TRANSPORTS)[K]['options']>;

type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** A kind's options, or nothing for a kind without any (zod types `{}` as an index signature,
 * which would swallow every other kind's options in the intersection below). */
type OptionsWithKeys = {
  [K in TransportKind]: string extends keyof TransportOptions<K> ? unknown : TransportOptions<K>;
}[TransportKind];

/** Command-line overrides of any transport's options, by option name; a run applies the ones
 * its transport declares. */
export type TransportFlags = Partial<Intersection<OptionsWithKeys>>;

export function isTransportKind(kind: string): kind is TransportKind {
  return Object.hasOwn(TRANSPORTS, kind);
}

/** Checks that `url` is a target `kind` can reach; returns it parsed. */
export function targetUrl(kind: TransportKind, url: string): URL {
  const spec = TRANSPORTS[kind];
  if (spec.schemes.length === 0) {
    throw new UsageError(
      `--transport ${kind} runs in this process against the embedded endpoint and has no target URL: drop --target ${url}, or pick a transport that reaches it (${TRANSPORT_KINDS.filter((k) => TRANSPORTS[k].schemes.length > 0).join(', ')}).`,
    );
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    const examples = Object.values(TRANSPORTS).map((t) => t.exampleUrl);
    throw new UsageError(`--target "${url}" is not a URL; expected one such as ${examples.join(' or ')}.`);
  }
  if (!spec.schemes.includes(u.protocol.slice(0, -1))) {
    throw new UsageError(
      `--target ${url} does not fit --transport ${kind}: expected a ${spec.schemes.map((s) => `${s}://`).join(', ')} URL such as ${spec.exampleUrl}.`,
    );
  }
  return u;
}

/** The tallies API of a target of this kind, when the target serves one at its origin. */
export function talliesAtTarget(kind: TransportKind, target: URL): string | undefined {
  return TRANSPORTS[kind].talliesAtTarget ? target.origin : undefined;
}
