/**
 * Auth in a scenario: `auth: { mode: device | fleet }` turns on the endpoint's credentials and
 * gives every device its own (docs/protocol.md, "Authentication"). For the embedded endpoint the
 * secret is made fresh for each run; an external target needs it from the scenario or from
 * FLEETSIM_AUTH_SECRET. The resolved form is plain data so that worker processes get it too.
 */
import { randomBytes } from 'node:crypto';
import { deviceBearer, devicePassword } from '../protocol/credentials.js';
import { UsageError } from '../protocol/errors.js';
import type { Scenario } from '../agent/scenario/schema.js';

export interface RunAuth {
  /** device: per-device passwords HMAC(secret, deviceId); fleet: one fleet token for every device. */
  mode: 'device' | 'fleet';
  secret: string;
}

export function resolveAuth(
  scenario: Scenario,
  external: boolean,
  env: NodeJS.ProcessEnv = process.env,
): RunAuth | undefined {
  const a = scenario.auth;
  if (!a) return undefined;
  const secret = a.secret ?? env.FLEETSIM_AUTH_SECRET ?? (external ? undefined : randomBytes(24).toString('base64url'));
  if (!secret) {
    throw new UsageError(
      `Scenario "${scenario.name}" turns auth on (mode ${a.mode}) against an external target, but no secret is known: set auth.secret in the scenario or FLEETSIM_AUTH_SECRET to the ${a.mode === 'device' ? 'device secret' : 'fleet token'} the endpoint was started with (fleetsim serve --auth-file / --fleet-token).`,
    );
  }
  return { mode: a.mode, secret };
}

/** MQTT CONNECT credentials of one client id (a device, or the preflight probe). */
export function mqttCredentials(auth: RunAuth, clientId: string): { username: string; password: string } {
  return auth.mode === 'device'
    ? { username: clientId, password: devicePassword(auth.secret, clientId) }
    : { username: clientId, password: auth.secret };
}

/** The HTTP bearer token a device reports with. */
export function httpBearer(auth: RunAuth, deviceId: string): string {
  return auth.mode === 'device' ? deviceBearer(deviceId, devicePassword(auth.secret, deviceId)) : auth.secret;
}
