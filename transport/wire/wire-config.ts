/** The wire section of a target description, as the scenario schema validates it. */
import type { CodesConfig } from './codes.js';

export type ValueConfig = string | { default?: string | undefined; cohorts?: Record<string, string> | undefined };

export interface WireConfig {
  /** A built-in profile to start from; the fields given here replace the profile's. */
  profile?: string | undefined;
  /** The device id as it goes on the wire (a run namespace: "{simDeviceId}.{runId}"). @default "{simDeviceId}" */
  deviceId?: string | undefined;
  /** MQTT topic of each event. */
  topic?: string | undefined;
  /** HTTP method of each event. @default POST */
  method?: 'POST' | 'PUT' | 'PATCH' | undefined;
  /** HTTP path (and query) of each event. @default the target URL's path, else the profile's */
  path?: string | undefined;
  /** An object: a JSON body; a string: a text body. */
  body?: unknown;
  /** @default application/json */
  contentType?: string | undefined;
  /** Custom values the templates can name, with a default and values per cohort. */
  values?: Record<string, ValueConfig> | undefined;
  codes?: CodesConfig | undefined;
}
