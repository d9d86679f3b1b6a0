/**
 * The request target of an HTTP request (RFC 9112 §3.2), parsed without throwing: whatever a
 * client sends as the request line, the answer is a path and a query, or a reason for a 400.
 * `new URL()` and `decodeURIComponent()` both throw on input anyone can send (`GET http://[`,
 * `%E0%A4%A`), so neither is called outside a try here.
 */

export type RequestTarget = { ok: true; path: string; query: URLSearchParams } | { ok: false; reason: string };

const EMPTY_QUERY = new URLSearchParams();

/** Splits origin-form (`/path?query`) and absolute-form (`http://host/path`) targets. */
export function parseRequestTarget(raw: string | undefined): RequestTarget {
  if (raw === undefined || raw.length === 0) return { ok: false, reason: 'the request has no target' };
  if (raw.charCodeAt(0) === 47 /* '/' */) {
    const q = raw.indexOf('?');
    const path = q === -1 ? raw : raw.slice(0, q);
    const query = q === -1 ? EMPTY_QUERY : new URLSearchParams(raw.slice(q + 1));
    return { ok: true, path, query };
  }
  // Absolute-form is for proxies, but a server must accept it (RFC 9112 §3.2.2).
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      return { ok: false, reason: `expected an http(s) URL or a path starting with "/", got ${quote(raw)}` };
    return { ok: true, path: u.pathname, query: u.searchParams };
  } catch {
    return { ok: false, reason: `the request target ${quote(raw)} is neither a path starting with "/" nor a URL` };
  }
}

export type Decoded = { ok: true; value: string } | { ok: false; reason: string };

/** Percent-decodes one path segment; a malformed escape or invalid UTF-8 is a reason, not a throw. */
export function decodeSegment(segment: string, what: string): Decoded {
  if (segment.indexOf('%') === -1) return { ok: true, value: segment };
  try {
    return { ok: true, value: decodeURIComponent(segment) };
  } catch {
    const at = firstBadEscape(segment);
    return {
      ok: false,
      reason: `${what} ${quote(segment)} has a malformed percent-escape${at >= 0 ? ` at character ${at}` : ''} (each % takes two hex digits, and the bytes must be UTF-8)`,
    };
  }
}

/** Index of the first `%` not followed by two hex digits, or -1 (then the bytes are not UTF-8). */
function firstBadEscape(s: string): number {
  for (let i = s.indexOf('%'); i !== -1; i = s.indexOf('%', i + 1)) {
    if (!/^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) return i;
  }
  return -1;
}

/** A client's text shown back in a reason: JSON-quoted (no control characters) and cut short. */
export function quote(s: string): string {
  const cut = s.length > 80 ? `${s.slice(0, 80)}...` : s;
  return JSON.stringify(cut);
}
