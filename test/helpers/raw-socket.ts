/** Raw TCP for tests that send what no well-behaved client would: bytes in, the answer (or close) out. */
import { connect, type Socket } from 'node:net';

export function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
}

export function openSocket(url: string): Promise<Socket> {
  const { host, port } = hostPort(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host, port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes `bytes`, then collects everything the server sends until it closes or `idleMs` passes quietly. */
export async function exchange(url: string, bytes: Buffer | string, idleMs = 2_000): Promise<string> {
  const s = await openSocket(url);
  return new Promise((resolve) => {
    let out = '';
    let timer = setTimeout(() => s.destroy(), idleMs);
    s.on('data', (d) => {
      out += d.toString('latin1');
      clearTimeout(timer);
      timer = setTimeout(() => s.destroy(), idleMs);
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    s.write(bytes);
  });
}

/** Resolves when the server closes the socket (a limit was hit). */
export function closedByServer(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    s.on('error', () => undefined);
    s.resume();
    if (s.destroyed) resolve();
    else s.once('close', () => resolve());
  });
}

/** The JSON body of a raw HTTP/1.1 answer, and its status. */
export function parseHttp(raw: string): { status: number; body: any } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
  const at = raw.indexOf('\r\n\r\n');
  const text = at === -1 ? '' : raw.slice(at + 4);
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status, body };
}
