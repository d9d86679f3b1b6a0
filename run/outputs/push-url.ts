/** The URL of a push output (`--otlp`, `--prom-remote-write`): checked, and as it may be printed. */
import { UsageError } from '../../protocol/errors.js';

export interface PushUrlSpec {
  flag: string;
  /** What the URL is, for "expected ...": "the collector's OTLP/HTTP metrics URL". */
  expected: string;
  /** Said of a URL that is not http(s): "OTLP/HTTP needs an http:// or https:// URL". */
  needsHttp: string;
  example: string;
  /** The path a bare origin gets. */
  defaultPath: string;
}

/** An http(s) URL for the spec's flag; the default path when only the origin is given. */
export function pushUrl(raw: string, spec: PushUrlSpec): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${spec.flag} "${raw}" is not a URL; expected ${spec.expected}, e.g. ${spec.example}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${spec.flag} "${shownUrl(url)}": ${spec.needsHttp}, e.g. ${spec.example}.`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = spec.defaultPath;
  return url;
}

/** A URL as it may be printed: no user or password. */
export function shownUrl(url: URL): string {
  const u = new URL(url.href);
  u.username = '';
  u.password = '';
  return u.href;
}
