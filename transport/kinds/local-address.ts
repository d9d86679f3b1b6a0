/**
 * Source and destination addresses for outgoing connections. One source address reaches one broker port through
 * about 28,000 ephemeral ports and connects slowly past 5,000 (measured on this machine),
 * so big fleets spread their connections over several loopback addresses: 127.0.0.0/8 is all
 * loopback on Linux, no setup needed.
 */
import { UsageError } from '../../protocol/errors.js';

// Dotted quad, no leading zeros (as node:net's isIPv4): kept free of node:net so that the MQTT
// transport's option schema, which the scenario schema reads, stays pure.
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);
export const isIPv4 = (s: string) => IPV4.test(s);

function toInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function toIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * Parses "127.0.0.1-127.0.0.8", "127.0.0.1,127.0.0.2" or a single address into a list.
 * @example parseLocalAddresses('127.0.0.1-127.0.0.3') // ['127.0.0.1', '127.0.0.2', '127.0.0.3']
 */
export function parseLocalAddresses(text: string): string[] {
  const out: string[] = [];
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [a, b] = part.split('-').map((s) => s.trim());
    if (!a || !isIPv4(a) || (b !== undefined && !isIPv4(b))) {
      throw new UsageError(
        `--local-address "${text}": "${part}" is not an IPv4 address or range; expected e.g. 127.0.0.1-127.0.0.8 or 127.0.0.1,127.0.0.2.`,
      );
    }
    const lo = toInt(a);
    const hi = b === undefined ? lo : toInt(b);
    if (hi < lo || hi - lo > 1023) {
      throw new UsageError(
        `--local-address "${text}": the range ${part} must go upwards and hold at most 1,024 addresses.`,
      );
    }
    for (let n = lo; n <= hi; n++) out.push(toIp(n));
  }
  if (out.length === 0)
    throw new UsageError(`--local-address "${text}" names no address; expected e.g. 127.0.0.1-127.0.0.8.`);
  return out;
}

/**
 * Destinations: addresses and ranges as parseLocalAddresses takes them, each on the target's port,
 * or single `address:port` entries (the direct listeners of `fleetsim serve --workers`).
 * @example parseTargetAddresses('127.0.0.1:4001,127.0.0.2-127.0.0.3') // ['127.0.0.1:4001', '127.0.0.2', '127.0.0.3']
 */
export function parseTargetAddresses(text: string): string[] {
  const out: string[] = [];
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [ip, port, more] = part.split(':');
    if (port === undefined) {
      out.push(...parseLocalAddresses(part));
      continue;
    }
    const n = Number(port);
    if (more !== undefined || !ip || !isIPv4(ip) || !/^\d+$/.test(port) || n < 1 || n > 65_535)
      throw new UsageError(
        `--target-address "${text}": "${part}" is not an IPv4 address with a port; expected e.g. 127.0.0.1:41001 or a range 127.0.0.1-127.0.0.8.`,
      );
    out.push(`${ip}:${n}`);
  }
  if (out.length === 0)
    throw new UsageError(`--target-address "${text}" names no address; expected e.g. 127.0.0.1-127.0.0.8.`);
  return out;
}

/** Whether a destination list names its own ports (then it is the whole spread, not addresses on the target's port). */
export function namesPorts(addresses: readonly string[]): boolean {
  return addresses.some((a) => a.includes(':'));
}
