/**
 * Who may send what. Off unless configured (the quick start runs open). Credentials:
 * - per device: MQTT username = deviceId (and clientId = deviceId), password = the device's
 *   password; over HTTP the bearer token `<deviceId>.<password>`. Passwords are listed in
 *   `devices`, or derived from `deviceSecret` as base64url(HMAC-SHA256(deviceSecret, deviceId)) so
 *   a fleet of 50,000 needs no 50,000-line file;
 * - a fleet token: over MQTT any username with password = the token, the device being its
 *   clientId; over HTTP a gateway credential that may report for any device;
 * - an admin token (optional): required for every read (tallies, devices, /metrics, the live page)
 *   when set; reads are open otherwise.
 * The ACL: a device publishes only under devices/<its id>/ and reports only its own events; the
 * admin token reads and watches but reports nothing (a write with it is refused).
 */
import { timingSafeEqual } from 'node:crypto';
import { devicePassword } from '../protocol/credentials.js';

export { deviceBearer, devicePassword } from '../protocol/credentials.js';

export interface AuthConfig {
  fleetToken?: string;
  devices?: Record<string, string>;
  deviceSecret?: string;
  adminToken?: string;
}

export type Principal = { kind: 'device'; deviceId: string } | { kind: 'fleet' } | { kind: 'admin' };

export const ADMIN_USERNAME = 'admin';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class Authenticator {
  readonly enabled: boolean;

  constructor(private readonly cfg: AuthConfig = {}) {
    this.enabled = Boolean(
      cfg.fleetToken || cfg.deviceSecret || cfg.adminToken || (cfg.devices && Object.keys(cfg.devices).length),
    );
  }

  /** Reads need the admin token only when one is configured. */
  get readsNeedAuth(): boolean {
    return Boolean(this.cfg.adminToken);
  }

  private deviceOk(deviceId: string, password: string): boolean {
    const listed = this.cfg.devices?.[deviceId];
    if (listed !== undefined && same(password, listed)) return true;
    return this.cfg.deviceSecret !== undefined && same(password, devicePassword(this.cfg.deviceSecret, deviceId));
  }

  /** An MQTT CONNECT: the principal, or undefined to refuse. */
  mqtt(clientId: string, username: string | undefined, password: string | undefined): Principal | undefined {
    if (!this.enabled) return { kind: 'device', deviceId: clientId };
    if (username === undefined || password === undefined) return undefined;
    if (this.cfg.adminToken && username === ADMIN_USERNAME && same(password, this.cfg.adminToken))
      return { kind: 'admin' };
    // Bound to the clientId as well, so one device cannot take over another's session.
    if (username === clientId && this.deviceOk(username, password)) return { kind: 'device', deviceId: username };
    if (this.cfg.fleetToken && same(password, this.cfg.fleetToken)) return { kind: 'device', deviceId: clientId };
    return undefined;
  }

  /** An HTTP Authorization header: the principal, or undefined to refuse. */
  bearer(header: string | undefined): Principal | undefined {
    // The auth scheme is case-insensitive (RFC 9110 §11.1): "bearer" and "BEARER" are "Bearer".
    const m = header === undefined ? null : /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!m) return undefined;
    const token = m[1]!;
    if (this.cfg.adminToken && same(token, this.cfg.adminToken)) return { kind: 'admin' };
    if (this.cfg.fleetToken && same(token, this.cfg.fleetToken)) return { kind: 'fleet' };
    // base64url has no '.', so the password is what follows the last one.
    const dot = token.lastIndexOf('.');
    if (dot > 0 && this.deviceOk(token.slice(0, dot), token.slice(dot + 1)))
      return { kind: 'device', deviceId: token.slice(0, dot) };
    return undefined;
  }
}

/** May this principal report a status for this device? The admin reads; it never reports. */
export function mayReportFor(p: Principal, deviceId: string): boolean {
  return p.kind === 'fleet' || (p.kind === 'device' && p.deviceId === deviceId);
}
