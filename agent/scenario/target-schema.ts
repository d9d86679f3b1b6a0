/**
 * A target description: the user's own ingestion service as fleetsim reaches it. It sits in a
 * scenario's `target:` or in its own file (`--target-file staging.yaml`), so one scenario runs
 * against dev, staging and prod. Strings may take `${NAME}` from the environment (target-env.ts).
 * The wire and TLS parts are compiled by transport/, the tally source by endpoint-client/.
 */
import { z } from 'zod';
import { duration } from '../../core/value-schemas.js';

const files = z.union([z.string(), z.array(z.string()).min(1)]);
const headers = z
  .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'a header name is a token such as X-Tenant'), z.string())
  .meta({ description: 'Extra HTTP headers, name -> value; values may use ${ENV}.' });

export const tlsSchema = z
  .object({
    /** PEM file(s) of the CAs that signed the target's certificate. @default the system's CAs */
    ca: files.optional(),
    /** Accept any server certificate (self-signed test systems only). @default false */
    insecure: z.boolean().default(false),
    /** A client certificate per device (mTLS): minted at start from a CA, or read by file pattern. */
    clientCerts: z
      .union([
        z
          .object({
            mint: z
              .object({
                /** The CA certificate (PEM) that signs the devices' certificates. */
                caCert: z.string(),
                /** Its private key (PEM, unencrypted). */
                caKey: z.string(),
                /** Validity in days. @default 2 */
                days: z.number().positive().optional(),
                /** The subject's O, for a service that reads a tenant from it. */
                organization: z.string().optional(),
              })
              .strict(),
          })
          .strict(),
        z
          .object({
            /** File patterns with {deviceId}: certs/{deviceId}.pem and certs/{deviceId}.key */
            files: z.object({ cert: z.string(), key: z.string() }).strict(),
          })
          .strict(),
      ])
      .optional(),
  })
  .strict();

const codeTable = z.record(z.string(), z.string());

export const wireSchema = z
  .object({
    /** A built-in wire profile to start from: fleetsim (the default) or acme (a foreign shape). */
    profile: z.string().optional(),
    /** The device id on the wire; "{simDeviceId}.{runId}" gives a run its own devices. @default "{simDeviceId}" */
    deviceId: z.string().optional(),
    /** MQTT topic template, e.g. "acme/{tenant}/devices/{deviceId}/software/{appId}". */
    topic: z.string().optional(),
    /** HTTP method. @default "POST" */
    method: z.enum(['POST', 'PUT', 'PATCH']).optional(),
    /** HTTP path template (and query). @default the target URL's path, else the profile's */
    path: z.string().optional(),
    /** An object is a JSON body template; a string a text body. */
    body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    /** @default "application/json" */
    contentType: z.string().optional(),
    /** Custom values the templates name, with a default and per-cohort values. */
    values: z
      .record(
        z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a value name is a letter, then letters, digits or _'),
        z.union([
          z.string(),
          z.object({ default: z.string().optional(), cohorts: z.record(z.string(), z.string()).optional() }).strict(),
        ]),
      )
      .optional(),
    /** Mapping tables from (platform, status, state) to the user's own codes. */
    codes: z
      .object({ platform: codeTable.optional(), status: codeTable.optional(), state: codeTable.optional() })
      .strict()
      .optional(),
  })
  .strict();

const labels = z.enum(['wire', 'fleetsim']).optional();

export const talliesSchema = z.discriminatedUnion('source', [
  z
    .object({
      source: z.literal('fleetsim'),
      /** A fleetsim serve's HTTP origin. @default the target's own origin */
      url: z.string().optional(),
    })
    .strict(),
  z
    .object({
      source: z.literal('http'),
      /** URL template; with {appId} one request per app, else one for all. {runId} too. */
      url: z.string(),
      headers: headers.optional(),
      /** JSONata from the answer to [{ app, platform, status, state, count }]; $appId, $apps, $runId are bound. */
      rows: z.string(),
      /** A per-app device listing, for device-by-device reconciliation. */
      devices: z.object({ url: z.string(), rows: z.string() }).strict().optional(),
      ca: files.optional(),
      insecure: z.boolean().optional(),
      labels,
      timeout: duration.optional(),
    })
    .strict(),
  z
    .object({
      source: z.literal('postgres'),
      /** postgres://user:password@host:port/database; use ${PGPASSWORD} or the like for the password. */
      connection: z.string(),
      /** SQL returning app, platform, status, state, count; :apps (text[]) and :runId are bound. */
      query: z.string(),
      /** SQL returning device, platform, status, state[, seq] for :app. */
      devicesQuery: z.string().optional(),
      labels,
    })
    .strict(),
  z.object({ source: z.literal('none') }).strict(),
]);

export const targetSchema = z
  .object({
    /** mqtt, mqtts, ws, wss, http or https URL; its path is honoured (HTTP path, MQTT topic prefix). */
    url: z.string(),
    headers: headers.optional(),
    /** Per-device pattern, e.g. "{deviceId}". */
    username: z.string().optional(),
    /** Per-device pattern or one secret; use ${ENV} rather than writing it down. */
    password: z.string().optional(),
    /** MQTT client id pattern. @default "{deviceId}" */
    clientId: z.string().optional(),
    tls: tlsSchema.optional(),
    wire: wireSchema.optional(),
    /** How to read the counts back. @default fleetsim at an HTTP target's origin; none for MQTT */
    tallies: talliesSchema.optional(),
    /** Poll the tally source until it matches or `timeout` passes (pipelines lag). */
    settle: z
      .object({
        /** @default "30s" */
        timeout: duration.default('30s'),
        /** @default "500ms" */
        interval: duration.default('500ms'),
      })
      .strict()
      .optional(),
  })
  .strict();

export type TargetSpec = z.output<typeof targetSchema>;
export type TargetInput = z.input<typeof targetSchema>;
export type TalliesSpec = z.output<typeof talliesSchema>;
