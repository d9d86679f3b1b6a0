/** `fleetsim serve`: the embedded endpoint alone, in one process or with --workers. */
import type { Options } from 'yargs';
import { optionalWholeNumber, wholeNumberOption } from '../number-flags.js';
import { serveClusterCommand } from '../serve-cluster-command.js';
import { serveCommand } from '../serve-command.js';
import { defineCommand } from './command.js';

const FLAGS = {
  'mqtt-port': { ...wholeNumberOption('MQTT port (0 = any free port)'), default: 1883 },
  'http-port': {
    ...wholeNumberOption('HTTP port, also MQTT over WebSocket at /mqtt (0 = any free port)'),
    default: 8080,
  },
  host: { type: 'string', default: '127.0.0.1', describe: 'address to listen on' },
  'data-dir': {
    type: 'string',
    describe: 'journal accepted events here before acknowledging them; rebuild tallies from it on start',
  },
  'compact-mb': {
    type: 'number',
    default: 64,
    describe: 'compact the journal (snapshot, then empty it) once it is larger than this many MiB',
  },
  'tls-cert': { type: 'string', describe: 'PEM certificate: serve mqtts, https and wss' },
  'tls-key': { type: 'string', describe: 'PEM private key for --tls-cert' },
  'auth-file': {
    type: 'string',
    describe: 'JSON credentials: fleetToken, deviceSecret, devices, adminToken (turns auth on)',
  },
  'fleet-token': { type: 'string', describe: 'fleet token (turns auth on; or env FLEETSIM_FLEET_TOKEN)' },
  websocket: {
    type: 'boolean',
    default: true,
    describe: 'MQTT over WebSocket at /mqtt on the HTTP port (--no-websocket to turn off)',
  },
  'log-level': {
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const,
    default: 'info' as const,
    describe: 'pino log level (JSON logs on stdout)',
  },
  workers: {
    ...wholeNumberOption(
      'MQTT brokers in this many processes sharing the port, one owner of the tallies (past ~19,000 connections)',
    ),
    default: 1,
  },
} as const satisfies Record<string, Options>;

export const serveModule = defineCommand({
  command: 'serve',
  describe: 'run the embedded ingestion endpoint alone (docs/endpoint.md)',
  builder: (y) => y.options(FLAGS),
  handler: (a) => {
    const workers = optionalWholeNumber('workers', a.workers) ?? 1;
    const serve =
      workers > 1
        ? (args: Parameters<typeof serveCommand>[0]) => serveClusterCommand({ ...args, workers })
        : serveCommand;
    return serve({
      mqttPort: optionalWholeNumber('mqtt-port', a['mqtt-port'], 0) ?? 1883,
      httpPort: optionalWholeNumber('http-port', a['http-port'], 0) ?? 8080,
      host: a.host,
      dataDir: a['data-dir'],
      compactMb: a['compact-mb'],
      tlsCert: a['tls-cert'],
      tlsKey: a['tls-key'],
      authFile: a['auth-file'],
      fleetToken: a['fleet-token'],
      websocket: a.websocket,
      logLevel: a['log-level'],
    });
  },
});
