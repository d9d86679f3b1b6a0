/**
 * The scenario's `transport`: a kind (`mqtt`), or one variant per transport with its own options
 * (`{ kind: http, connections: 16, batch: 50 }`), as the load models are one variant each. The
 * variants come from the transports' declarations (transport/kinds/), so a new transport brings
 * its variant with it. A variant's fields carry no defaults here: the run fills them in after the
 * command-line flags (transport/registry.ts), so a flag, the scenario and a default meet in one
 * place and in that order.
 */
import { z } from 'zod';
import { TRANSPORT_KINDS, TRANSPORTS, type TransportFlags, type TransportKind } from '../../transport/kinds/kinds.js';

/** The options of one transport, each optional; a default moves into the field's description. */
function withoutDefaults(options: z.ZodObject): z.ZodRawShape {
  const out: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(options.shape) as [string, z.ZodType][]) {
    if (field instanceof z.ZodDefault) {
      const d = field.def.defaultValue;
      out[name] = (field.def.innerType as z.ZodType)
        .optional()
        .describe(`${field.description ?? ''} Default: ${JSON.stringify(d)}.`.trim());
    } else out[name] = field.optional();
  }
  return out;
}

function variant<K extends TransportKind>(kind: K) {
  const spec = TRANSPORTS[kind];
  return z
    .object({ kind: z.literal(kind).describe(spec.summary), ...withoutDefaults(spec.options) })
    .strict()
    .describe(spec.summary);
}

const variants = TRANSPORT_KINDS.map((k) => variant(k)) as unknown as [
  ReturnType<typeof variant>,
  ...ReturnType<typeof variant>[],
];

/** `transport:` as a scenario writes it. */
export const transportSchema = z
  .union([z.enum(TRANSPORT_KINDS), z.discriminatedUnion('kind', variants)])
  .default('mqtt')
  .describe(
    `The transport: ${TRANSPORT_KINDS.join(', ')}, or { kind, ...its options } (the options each transport takes). --transport overrides the kind. Default: "mqtt".`,
  );

export type TransportInput = z.output<typeof transportSchema>;

/** The kind and the options a scenario's `transport` gives. */
export function splitTransport(t: TransportInput): { kind: TransportKind; options: TransportFlags } {
  if (typeof t === 'string') return { kind: t, options: {} };
  const { kind, ...options } = t as { kind: TransportKind } & Record<string, unknown>;
  return { kind, options: options as TransportFlags };
}
