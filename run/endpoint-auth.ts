/** The embedded endpoint's side of a run's credentials (transport/credentials.ts is the devices' side). */
import type { AuthConfig } from '../broker/auth.js';
import type { RunAuth } from '../transport/credentials.js';

export function endpointAuth(auth: RunAuth): AuthConfig {
  return auth.mode === 'device' ? { deviceSecret: auth.secret } : { fleetToken: auth.secret };
}
