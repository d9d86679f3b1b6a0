/**
 * The MQTT transport's declaration: the schemes it reaches (connect.ts maps tcp to mqtt and
 * ssl/tls to mqtts), its options with their defaults, and the flags that override them.
 */
import { z } from 'zod';
import { duration } from '../../core/value-schemas.js';
import { isIPv4, namesPorts, parseLocalAddresses, parseTargetAddresses } from './local-address.js';
import { defineTransport } from './spec.js';

function parses(parse: (text: string) => string[]): (text: string) => boolean {
  return (text) => {
    try {
      parse(text);
      return true;
    } catch {
      return false;
    }
  };
}

export const mqttTransport = defineTransport({
  kind: 'mqtt',
  summary: 'MQTT: one client per device publishing to devices/{id}/apps/{app}/status, acknowledged per QoS.',
  schemes: ['mqtt', 'tcp', 'mqtts', 'ssl', 'tls', 'ws', 'wss'],
  exampleUrl: 'mqtt://127.0.0.1:1883',
  embeddedTarget: (urls) => urls.mqttUrl,
  talliesAtTarget: false,
  route: 'topic',
  connections: 'per-device',
  connectionLabel: 'MQTT',
  sharedBy: ({ sharedConnections: n }) =>
    n === undefined
      ? undefined
      : `sharedConnections carries every device's events over ${n} connections, so one device's cannot be cut apart: drop sharedConnections`,
  // the lean client spreads its own connections; mqtt.js and shared connections keep one destination
  directSpread: ({ client, sharedConnections, targetAddress }, target) => {
    const given = targetAddress ? parseTargetAddresses(targetAddress) : undefined;
    if (client !== 'lean' || sharedConnections !== undefined || (given && namesPorts(given))) return undefined;
    if ((target.protocol !== 'mqtt:' && target.protocol !== 'mqtts:') || !isIPv4(target.hostname)) return undefined;
    // port-major, so devices dealt round-robin spread evenly over the ports
    return (ports) => ({
      targetAddress: (given ?? [target.hostname]).flatMap((a) => ports.map((p) => `${a}:${p}`)).join(','),
    });
  },
  options: z.object({
    qos: z
      .union([z.literal(0), z.literal(1), z.literal(2)])
      .default(1)
      .describe('MQTT QoS of status events: 0 (no acknowledgement), 1 (PUBACK) or 2 (PUBCOMP).'),
    sharedConnections: z
      .number()
      .int('a whole number')
      .min(1, 'at least 1')
      .max(10_000, 'at most 10,000')
      .optional()
      .describe(
        "Carry every device's events over this many connections instead of one per device (raw ingestion throughput).",
      ),
    keepalive: z
      .number()
      .int('a whole number')
      .min(0, 'at least 0')
      .max(65_535, 'at most 65,535')
      .default(60)
      .describe('MQTT keepalive of each connection, seconds.'),
    cleanSession: z
      .boolean()
      .default(true)
      .describe("false keeps a persistent session on the broker between a device's connections."),
    localAddress: z
      .string()
      .refine(parses(parseLocalAddresses), {
        message:
          'expected IPv4 source addresses such as 127.0.0.1-127.0.0.8 or 127.0.0.1,127.0.0.2 (a range goes upwards and holds at most 1,024)',
      })
      .optional()
      .describe('Source addresses to spread connections over, e.g. "127.0.0.1-127.0.0.8". Default: the OS\'s choice.'),
    targetAddress: z
      .string()
      .refine(parses(parseTargetAddresses), {
        message:
          'expected IPv4 destination addresses such as 127.0.0.1-127.0.0.8, or address:port entries such as 127.0.0.1:41001,127.0.0.1:41002 (a range goes upwards and holds at most 1,024)',
      })
      .optional()
      .describe(
        "Destination addresses to spread connections over, on the target's port, e.g. \"127.0.0.1-127.0.0.8\" (the broker must listen on them: fleetsim serve --host 0.0.0.0), or address:port entries. Against `fleetsim serve --workers`, its workers' direct listeners are found at the tallies URL and used on these addresses. Lean client. Default: the target URL's host.",
      ),
    ackTimeout: duration
      .default('30s')
      .describe('Fail an event whose PUBACK (QoS 1) or PUBCOMP (QoS 2) takes longer than this.'),
    client: z
      .enum(['mqtt.js', 'lean'])
      .default('lean')
      .describe(
        '"lean": fleetsim\'s own device connection on mqtt-packet frames (less CPU and memory per device); "mqtt.js": one mqtt.js client per connection. Both pass the same conformance suite against aedes, mosquitto and RabbitMQ.',
      ),
    maxConnecting: z
      .number()
      .int('a whole number')
      .min(1, 'at least 1')
      .max(100_000, 'at most 100,000')
      .optional()
      .describe('MQTT handshakes in progress at once, apart from the event window (lean client). Default 256.'),
  }),
  flags: {
    qos: { option: 'qos', type: 'number', choices: [0, 1, 2], describe: "MQTT QoS (default: the scenario's)" },
    'local-address': {
      option: 'localAddress',
      type: 'string',
      describe: 'spread MQTT connections over source addresses, e.g. 127.0.0.1-127.0.0.8',
    },
    'target-address': {
      option: 'targetAddress',
      type: 'string',
      describe: 'spread MQTT connections over destination addresses on the target port, e.g. 127.0.0.1-127.0.0.8',
    },
    'mqtt-client': {
      option: 'client',
      type: 'string',
      choices: ['mqtt.js', 'lean'],
      describe: 'MQTT device connection: lean (default) or mqtt.js',
    },
    'shared-connections': {
      option: 'sharedConnections',
      type: 'number',
      describe: 'MQTT: carry every device over this many connections (raw throughput)',
    },
  },
});
