/** Builds the HTTP transport from its validated options and the run's auth. */
import { httpBearer } from '../credentials.js';
import type { Transport, TransportContext } from '../types.js';
import { HttpTransport } from './http.js';

export function createHttpTransport({ url, options: o, auth, wiring: w, device }: TransportContext<'http'>): Transport {
  return new HttpTransport({
    url,
    connections: o.connections,
    pipelining: o.pipelining,
    batch: o.batch,
    ...(w?.tls ? { tls: w.tls } : {}),
    ...(w?.headers ? { headers: w.headers } : {}),
    ...(w?.method ? { method: w.method } : {}),
    ...(w?.path ? { path: w.path } : {}),
    ...(w?.contentType ? { contentType: w.contentType } : {}),
    ...(device?.offlineQueue ? { retryWhileOffline: true } : {}),
    ...(device?.portOwners ? { portOwners: device.portOwners } : {}),
    ...(device?.groupOf ? { groupOf: device.groupOf } : {}),
    ...(auth
      ? auth.mode === 'device'
        ? { bearerFor: (id: string) => httpBearer(auth, id) }
        : { token: auth.secret }
      : {}),
  });
}
