/**
 * MQTT, QoS 1, shared connections: fleetsim (with its lean connection, and with mqtt.js) against a minimal raw mqtt.js publisher with the same
 * QoS, connections, events in flight and payloads, into the same endpoint (`fleetsim serve`, its
 * own process, fresh each pass). The primary figure is client CPU per acknowledged event in the
 * steady state; events/s per round is the context; the endpoint's CPU per event it ingested is
 * read for both. Aims: CPU <= 1.15x the raw publisher's; events/s >= 0.9x.
 *
 *   npm run build && node dist/bench/mqtt-ratio.js [--rounds 3] [--devices 60000] [--seconds S] [--connections 16] [--in-flight 256]
 */
import { runPass } from './method/pass.js';
import { startRecord } from './method/output.js';
import { limitOf, roundRatios, rounds, summarise, type Side } from './method/rounds.js';
import { argOf, ratio } from './method/stats.js';

const config = {
  qos: argOf('qos', 1),
  connections: argOf('connections', 16),
  inFlight: argOf('in-flight', 256),
  devices: argOf('devices', 100_000),
  /** 0: the raw publisher sends every event of the fleet once (its timeline's mix, as fleetsim's run has). */
  rawSeconds: argOf('seconds', 0),
  rounds: argOf('rounds', 3),
};
const done = startRecord('mqtt-ratio', config);
const common = [
  '--connections',
  `${config.connections}`,
  '--in-flight',
  `${config.inFlight}`,
  '--qos',
  `${config.qos}`,
];
const fleetsim = (name: string, client: string): Side => ({
  name,
  run: (s) =>
    runPass(name, 'mqtt-fleetsim', [
      ...common,
      '--target',
      s.mqtt,
      '--tallies',
      s.http,
      '--peer-pid',
      `${s.child.pid}`,
      '--devices',
      `${config.devices}`,
      '--client',
      client,
    ]),
});
const sides: Side[] = [
  fleetsim('fleetsim-lean', 'lean'),
  fleetsim('fleetsim-mqtt.js', 'mqtt.js'),
  {
    name: 'raw-mqtt.js',
    run: (s) =>
      runPass('raw-mqtt.js', 'mqtt-raw', [
        ...common,
        '--target',
        s.mqtt,
        '--peer-pid',
        `${s.child.pid}`,
        '--devices',
        `${config.devices}`,
        ...(config.rawSeconds > 0 ? ['--seconds', `${config.rawSeconds}`] : []),
      ]),
  },
];
const passes = await rounds(sides, config.rounds);
const lean = summarise(passes, 'fleetsim-lean');
const viaMqttJs = summarise(passes, 'fleetsim-mqtt.js');
const raw = summarise(passes, 'raw-mqtt.js');
done(passes, {
  best: 'fleetsim-lean',
  'fleetsim-lean': lean,
  'fleetsim-mqtt.js': viaMqttJs,
  'raw-mqtt.js': raw,
  cpuRatio: ratio(lean.cpuUsPerEvent, raw.cpuUsPerEvent),
  mqttJsCpuRatio: ratio(viaMqttJs.cpuUsPerEvent, raw.cpuUsPerEvent),
  eventsPerSecRatio: roundRatios(passes, 'fleetsim-lean', 'raw-mqtt.js', 'eventsPerSec'),
  mqttJsEventsPerSecRatio: roundRatios(passes, 'fleetsim-mqtt.js', 'raw-mqtt.js', 'eventsPerSec'),
  endpointCpuRatio: ratio(lean.peerCpuUsPerEvent, raw.peerCpuUsPerEvent),
  limit: {
    'fleetsim-lean': limitOf(passes, 'fleetsim-lean'),
    'fleetsim-mqtt.js': limitOf(passes, 'fleetsim-mqtt.js'),
    'raw-mqtt.js': limitOf(passes, 'raw-mqtt.js'),
  },
  pairEventsPerCpuSecRatio: ratio(
    limitOf(passes, 'fleetsim-lean').pairEventsPerCpuSec,
    limitOf(passes, 'raw-mqtt.js').pairEventsPerCpuSec,
  ),
  payloadBytes: passes.find((p) => p.side === 'raw-mqtt.js')?.payloadBytes,
});
