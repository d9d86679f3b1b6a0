/**
 * What reports and logs may show of a target: its secrets (passwords, tokens, keys) replaced,
 * and its URL without user information.
 */
import type { RunTarget } from './run-target.js';

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

/** The target URL as reports show it: no user information, no secrets. */
export function shownUrl(rt: RunTarget): string {
  try {
    const u = new URL(rt.url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
      return redact(u.href, rt.secrets);
    }
  } catch {
    // shown as given
  }
  return redact(rt.url, rt.secrets);
}
