/** Status events of a device in seq order, sent through a transport, and a wait for a condition. */
import type { Transport } from '../../transport/types.js';

export const APP = 'com.acme.mail';
const seqs = new Map<string, number>();

/** The device's next valid status event (the endpoint validates what it acknowledges). */
export function eventOf(device: string): string {
  const seq = (seqs.get(device) ?? 0) + 1;
  seqs.set(device, seq);
  return JSON.stringify({
    v: 1,
    deviceId: device,
    platform: 'android',
    appId: APP,
    appVersion: '1.0.0',
    jobId: `${APP}@1.0.0`,
    seq,
    status: 'success',
    state: 'installed',
    simTs: 1_767_600_000_000 + seq,
    wallTs: 1_767_600_000_000 + seq,
  });
}

export const send = (t: Transport, device: string) =>
  new Promise<Error | undefined>((r) => t.send(device, APP, eventOf(device), r));

export async function until(what: string, ok: () => boolean, tries = 400): Promise<void> {
  for (let i = 0; i < tries && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!ok()) throw new Error(`never happened: ${what}`);
}
