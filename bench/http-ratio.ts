/**
 * HTTP, one event per POST: fleetsim against autocannon, same endpoint (`fleetsim serve`, its own
 * process, fresh each pass), same number of keep-alive connections, one request in flight each,
 * bodies of the same fleet encoded by the same code. Primary figure: client CPU per event in the
 * steady state; events/s per round is the context (aim >= 0.9x autocannon).
 *
 *   npm run build && node dist/bench/http-ratio.js [--rounds 3] [--devices 40000] [--seconds 8] [--connections 32]
 */
import { runPass } from './method/pass.js';
import { startRecord } from './method/output.js';
import { roundRatios, rounds, summarise, type Side } from './method/rounds.js';
import { argOf, ratio } from './method/stats.js';

const config = {
  connections: argOf('connections', 32),
  devices: argOf('devices', 40_000),
  autocannonSeconds: argOf('seconds', 8),
  rounds: argOf('rounds', 3),
};
const done = startRecord('http-ratio', config);
const common = ['--connections', `${config.connections}`, '--devices', `${config.devices}`];
const sides: Side[] = [
  {
    name: 'fleetsim',
    run: (s) => runPass('fleetsim', 'http-fleetsim', [...common, '--target', s.http, '--peer-pid', `${s.child.pid}`]),
  },
  {
    name: 'autocannon',
    run: (s) =>
      runPass('autocannon', 'http-autocannon', [
        ...common,
        '--target',
        s.http,
        '--peer-pid',
        `${s.child.pid}`,
        '--seconds',
        `${config.autocannonSeconds}`,
      ]),
  },
];
const passes = await rounds(sides, config.rounds);
const ours = summarise(passes, 'fleetsim');
const theirs = summarise(passes, 'autocannon');
done(passes, {
  fleetsim: ours,
  autocannon: theirs,
  cpuRatio: ratio(ours.cpuUsPerEvent, theirs.cpuUsPerEvent),
  eventsPerSecRatio: roundRatios(passes, 'fleetsim', 'autocannon', 'eventsPerSec'),
  endpointCpuRatio: ratio(ours.peerCpuUsPerEvent, theirs.peerCpuUsPerEvent),
  payloadBytes: passes.find((p) => p.side === 'autocannon')?.payloadBytes,
});
