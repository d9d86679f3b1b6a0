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
    ca: files
      .optional()
      .describe("PEM file(s) of the CAs that signed the target's certificate. Default: the system's CAs."),
    insecure: z
      .boolean()
      .default(false)
      .describe('Accept any server certificate (self-signed test systems only). Default: false.'),
    clientCerts: z
      .union([
        z
          .object({
            mint: z
              .object({
                caCert: z.string().describe("The CA certificate (PEM) that signs the devices' certificates."),
                caKey: z.string().describe('Its private key (PEM, unencrypted).'),
                days: z.number().positive().optional().describe('Validity in days. Default: 2.'),
                organization: z
                  .string()
                  .optional()
                  .describe("The subject's O, for a service that reads a tenant from it."),
              })
              .strict()
              .describe('Mint a certificate per device at start, signed by this CA (ECDSA P-256, CN = the device id).'),
          })
          .strict(),
        z
          .object({
            files: z
              .object({
                cert: z.string().describe('Certificate file pattern, e.g. certs/{deviceId}.pem.'),
                key: z.string().describe('Key file pattern, e.g. certs/{deviceId}.key.'),
              })
              .strict()
              .describe('File patterns with {deviceId}: certs/{deviceId}.pem and certs/{deviceId}.key'),
          })
          .strict(),
      ])
      .optional()
      .describe('A client certificate per device (mTLS): minted at start from a CA, or read by file pattern.'),
  })
  .strict();

const codeTable = z.record(z.string(), z.string());

export const wireSchema = z
  .object({
    profile: z
      .string()
      .optional()
      .describe('A built-in wire profile to start from: fleetsim (the default) or acme (a foreign shape).'),
    deviceId: z
      .string()
      .optional()
      .describe(
        'The device id on the wire; "{simDeviceId}.{runId}" gives a run its own devices. Default: "{simDeviceId}".',
      ),
    topic: z
      .string()
      .optional()
      .describe('MQTT topic template, e.g. "acme/{tenant}/devices/{deviceId}/software/{appId}".'),
    method: z.enum(['POST', 'PUT', 'PATCH']).optional().describe('HTTP method. Default: "POST".'),
    path: z
      .string()
      .optional()
      .describe("HTTP path template (and query). Default: the target URL's path, else the profile's."),
    body: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .optional()
      .describe('An object is a JSON body template; a string a text body.'),
    contentType: z.string().optional().describe('Default: "application/json".'),
    values: z
      .record(
        z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a value name is a letter, then letters, digits or _'),
        z.union([
          z.string(),
          z.object({ default: z.string().optional(), cohorts: z.record(z.string(), z.string()).optional() }).strict(),
        ]),
      )
      .optional()
      .describe('Custom values the templates name, with a default and per-cohort values.'),
    codes: z
      .object({
        platform: codeTable.optional().describe('Our platform -> your platform code: { ios: IOS, ... }.'),
        status: codeTable
          .optional()
          .describe('Keys status, platform/status or "*" -> your status code (or a small template).'),
        state: codeTable
          .optional()
          .describe('Keys state, status/state, platform/status/state or "*" -> your state code (or a small template).'),
      })
      .strict()
      .optional()
      .describe("Mapping tables from (platform, status, state) to the user's own codes."),
  })
  .strict();

const labels = z
  .enum(['wire', 'fleetsim'])
  .optional()
  .describe(
    'wire: rows carry your codes (mapped back through wire.codes); fleetsim: our catalogue ids. Default: wire.',
  );
const sourceKind = <K extends string>(k: K) => z.literal(k).describe(`The tally source: ${k}.`);

export const talliesSchema = z.discriminatedUnion('source', [
  z
    .object({
      source: sourceKind('fleetsim'),
      url: z.string().optional().describe("A fleetsim serve's HTTP origin. Default: the target's own origin."),
    })
    .strict(),
  z
    .object({
      source: sourceKind('http'),
      url: z.string().describe('URL template; with {appId} one request per app, else one for all. {runId} too.'),
      headers: headers.optional(),
      rows: z
        .string()
        .describe(
          'JSONata from the answer to [{ app, platform, status, state, count }]; $appId, $apps, $runId are bound.',
        ),
      devices: z
        .object({
          url: z.string().describe('URL template of the listing, with {appId} (and {runId}).'),
          rows: z.string().describe('JSONata from the answer to [{ device, platform, status, state, seq? }].'),
        })
        .strict()
        .optional()
        .describe('A per-app device listing, for device-by-device reconciliation.'),
      ca: files.optional().describe("PEM file(s) of the CAs of the tally API's certificate. Default: the system's."),
      insecure: z.boolean().optional().describe('Accept any certificate of the tally API (test systems only).'),
      labels,
      timeout: duration.optional().describe('How long one request may take. Default: 10s.'),
    })
    .strict(),
  z
    .object({
      source: sourceKind('postgres'),
      connection: z
        .string()
        .describe('postgres://user:password@host:port/database; use ${PGPASSWORD} or the like for the password.'),
      query: z
        .string()
        .describe('SQL returning app, platform, status, state, count; :apps (text[]) and :runId are bound.'),
      devicesQuery: z.string().optional().describe('SQL returning device, platform, status, state[, seq] for :app.'),
      labels,
    })
    .strict(),
  z.object({ source: sourceKind('none') }).strict(),
]);

export const targetSchema = z
  .object({
    url: z
      .string()
      .describe('mqtt, mqtts, ws, wss, http or https URL; its path is honoured (HTTP path, MQTT topic prefix).'),
    headers: headers.optional(),
    username: z.string().optional().describe('Per-device pattern, e.g. "{deviceId}".'),
    password: z
      .string()
      .optional()
      .describe('Per-device pattern or one secret; use ${ENV} rather than writing it down.'),
    clientId: z.string().optional().describe('MQTT client id pattern. Default: "{deviceId}".'),
    tls: tlsSchema.optional().describe('CA bundle, insecure, and a client certificate per device (mTLS).'),
    wire: wireSchema
      .optional()
      .describe('What each report looks like: profile, deviceId, topic or method and path, body, values, codes.'),
    tallies: talliesSchema
      .optional()
      .describe("How to read the counts back. Default: fleetsim at an HTTP target's origin; none for MQTT."),
    baseline: z
      .boolean()
      .optional()
      .describe(
        'Read the counts before the run too and reconcile after - before against the change this run should make: for a system that holds other data and cannot count one run alone. Default: false.',
      ),
    settle: z
      .object({
        timeout: duration.default('30s').describe('Default: "30s".'),
        interval: duration.default('500ms').describe('Default: "500ms".'),
      })
      .strict()
      .optional()
      .describe('Poll the tally source until it matches or `timeout` passes (pipelines lag).'),
  })
  .strict();

export type TargetSpec = z.output<typeof targetSchema>;
export type TargetInput = z.input<typeof targetSchema>;
export type TalliesSpec = z.output<typeof talliesSchema>;
