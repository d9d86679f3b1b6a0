/**
 * What a transport declares about itself, in one place: its name, the URL schemes it accepts,
 * its options (a zod fragment with defaults: the scenario's `transport` variant and the
 * command-line flags both read it), and how the run finds its URL on the embedded endpoint.
 * Pure data: the scenario schema reads these declarations, so they import only zod and core/.
 */
import type { z } from 'zod';

/** The embedded endpoint's addresses, as a run's target. */
export interface EmbeddedUrls {
  mqttUrl: string;
  httpUrl: string;
}

/** A command-line flag that sets one of a transport's options (`fleetsim run --<flag>`). */
export interface TransportFlag<Option extends string = string> {
  /** The option the flag sets; the option's schema validates the flag's value. */
  option: Option;
  type: 'number' | 'string';
  describe: string;
  choices?: readonly (number | string)[];
}

export interface TransportSpec<Kind extends string = string, Options extends z.ZodObject = z.ZodObject> {
  kind: Kind;
  /** One line for the scenario schema's description of this variant. */
  summary: string;
  /** URL schemes of a target this transport can reach, without the colon. */
  schemes: readonly string[];
  /** A target URL to show in messages. */
  exampleUrl: string;
  /** The run's target when the endpoint is the embedded one. */
  embeddedTarget(urls: EmbeddedUrls): string;
  /** True when a target of this kind also serves the tallies API at its origin (HTTP). */
  talliesAtTarget: boolean;
  /** Reaches the embedded endpoint inside the run's own process: no external target, no workers. */
  inProcess?: boolean;
  /** Where an event's address goes: an MQTT topic (a target URL's path prefixes it), an HTTP
   * request path (a target URL's path and query are it, sent with a method and content type),
   * or nowhere (in process). Wire templates and the target's wiring read it. */
  route: 'topic' | 'path' | 'none';
  /** How devices hold connections: one each ('per-device'), a pool they share ('pooled'; one per
   * device only when each presents its own certificate), or none (in process). The size check
   * and network faults scoped to part of the fleet read it. */
  connections: 'per-device' | 'pooled' | 'none';
  /** What messages call one of its connections: "MQTT", "HTTPS". */
  connectionLabel: string;
  /** Why, under these options, one device's traffic cannot be cut apart from another's: a clause
   * for an error message saying what does it and how to undo it; undefined when it can. */
  sharedBy?(options: z.output<Options>): string | undefined;
  /** For an endpoint whose workers also listen on ports of their own (`fleetsim serve --workers`'
   * direct listeners): how these options spread devices over those ports of `target`, as the
   * options to use instead; undefined when they keep the one destination. */
  directSpread?(
    options: z.output<Options>,
    target: URL,
  ): ((ports: readonly number[]) => Partial<z.output<Options>>) | undefined;
  /** The options, each with its description and default; `kind` is added by the scenario schema. */
  options: Options;
  /** Flags by name (without the dashes). */
  flags: Record<string, TransportFlag<keyof z.output<Options> & string>>;
}

/** Declares a transport, keeping its literal kind and its options' types. */
export function defineTransport<const Kind extends string, Options extends z.ZodObject>(
  spec: TransportSpec<Kind, Options>,
): TransportSpec<Kind, Options> {
  return spec;
}
