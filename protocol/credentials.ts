/**
 * Device credentials, shared by both ends of the wire (docs/protocol.md, "Authentication"): a device's
 * password is base64url(HMAC-SHA256(deviceSecret, deviceId)), so the endpoint and the simulator derive
 * the same one from the fleet's secret without a 50,000-line file; over HTTP the bearer token is
 * `<deviceId>.<password>`.
 */
import { createHmac } from 'node:crypto';

/** The password of one device derived from the fleet's device secret. */
export function devicePassword(deviceSecret: string, deviceId: string): string {
  return createHmac('sha256', deviceSecret).update(deviceId).digest('base64url');
}

/** The HTTP bearer token of one device. */
export function deviceBearer(deviceId: string, password: string): string {
  return `${deviceId}.${password}`;
}
