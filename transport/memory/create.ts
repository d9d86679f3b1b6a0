/** Builds the in-memory transport over the embedded endpoint's ingest sink, with the run's auth. */
import { InternalError } from '../../protocol/errors.js';
import { httpBearer } from '../credentials.js';
import type { Transport, TransportContext } from '../types.js';
import { MemoryTransport } from './memory.js';

export function createMemoryTransport({ sink, auth }: TransportContext<'memory'>): Transport {
  // The runner hands the sink over whenever it starts the embedded endpoint; without one this is a bug.
  if (!sink) throw new InternalError('the memory transport was built without the embedded endpoint to deliver to');
  return new MemoryTransport({
    sink,
    ...(auth
      ? auth.mode === 'device'
        ? { credentialFor: (id: string) => httpBearer(auth, id) }
        : { token: auth.secret }
      : {}),
  });
}
