/**
 * Answers of the HTTP API: JSON with a content length, and the error shape every refusal uses
 * ({ error, field, reason, index?, note? }), plus reading a body with a byte limit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ApiError {
  error: string;
  field: string;
  reason: string;
  index?: number;
  note?: string;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  const text = JSON.stringify(body);
  const h: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  };
  if (headers) Object.assign(h, headers);
  res.writeHead(status, h);
  res.end(text);
}

/** Collects a body up to `limit` bytes; past it `cb(true)` runs once and the rest is not kept. */
export function readBody(req: IncomingMessage, limit: number, cb: (tooLarge: boolean, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (c: Buffer) => {
    if (over) return;
    size += c.length;
    if (size > limit) {
      over = true;
      chunks.length = 0;
      cb(true, Buffer.alloc(0));
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (!over) cb(false, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  });
  req.on('error', () => undefined);
}
