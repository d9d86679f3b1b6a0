/** `fleetsim run <scenario>`: its flags, and their mapping onto runCommand's arguments. */
import type { Options } from 'yargs';
import { TRANSPORT_KINDS } from '../../transport/kinds/kinds.js';
import { optionalWholeNumber, wholeNumberOption } from '../number-flags.js';
import { runCommand } from '../run-command.js';
import { scaleArgs, scaleOptions } from '../scale-options.js';
import { defineCommand, EPILOG } from './command.js';
import { envFlags, optionsOf } from './env-flags.js';

const FLAGS = {
  transport: { choices: TRANSPORT_KINDS, describe: "transport (default: the scenario's)" },
  devices: wholeNumberOption('total devices (cohorts scaled in proportion)'),
  seed: { type: 'string', describe: "seed (default: the scenario's)" },
  out: {
    type: 'string',
    describe: 'run folder for report.json, report.html, junit.xml (default: out/<scenario>-<timestamp>)',
  },
  'time-scale': { type: 'string', describe: "simulated seconds per real second, or asap (the scenario's timeScale)" },
  rate: { type: 'string', describe: "most events sent per second (the scenario's load.rate)" },
  ramp: {
    type: 'string',
    describe: 'closed model: devices come online over this simulated time, e.g. 10m; 0s = all at once',
  },
  duration: {
    type: 'string',
    describe: 'stop sending after this wall time (e.g. 5m), settle, reconcile what was sent',
  },
  'give-up-after': {
    type: 'string',
    describe:
      "wall time with events in flight and nothing acknowledged or refused before the run gives up: verdict 'gave up', exit 4 (the scenario's giveUpAfter, default 60s)",
  },
  jsonl: { type: 'string', describe: "stream a JSON line per second (k6's --out json) to this file" },
  'jsonl-events': { type: 'boolean', describe: 'with --jsonl: also a line per event sent' },
  csv: { type: 'string', describe: 'stream a CSV row per second to this file' },
  'metrics-port': wholeNumberOption('serve Prometheus /metrics of the run on this port while it runs (0 = any)'),
  'metrics-host': { type: 'string', describe: 'address for --metrics-port (default 127.0.0.1; 0.0.0.0 in a pod)' },
  otlp: {
    type: 'string',
    describe: "push the run's figures to an OpenTelemetry collector (OTLP/HTTP), e.g. http://127.0.0.1:4318",
  },
  'otlp-interval': { type: 'string', describe: 'with --otlp: wall time between pushes (default 10s)' },
  'prom-remote-write': {
    type: 'string',
    describe:
      "push the run's figures to a Prometheus remote-write receiver, e.g. http://127.0.0.1:9090/api/v1/write (basic auth: https://user:key@host/...)",
  },
  'prom-remote-write-interval': {
    type: 'string',
    describe: 'with --prom-remote-write: wall time between pushes (default 10s)',
  },
  'prom-remote-write-header': {
    type: 'string',
    array: true,
    describe: 'with --prom-remote-write: a header "Name: value" (repeatable), e.g. "X-Scope-OrgID: team-a"',
  },
} as const satisfies Record<string, Options>;

const TARGET_FLAGS = {
  target: {
    type: 'string',
    describe: 'external endpoint: mqtt(s)://, ws(s)://, http(s)://host:port[/path] (the path is honoured)',
  },
  'target-file': {
    type: 'string',
    describe: 'a target description of your own service: URL, TLS, wire templates, tally source (docs/targets.md)',
  },
  'run-id': { type: 'string', describe: 'the run id (default: a fresh one); the {runId} of templates and queries' },
  'tallies-url': { type: 'string', describe: 'tallies API of an external target (http://host:port)' },
  namespace: {
    type: 'boolean',
    describe: "the run's device ids carry its run id ({simDeviceId}.{runId}): it counts only its own devices",
  },
  'tally-baseline': {
    type: 'boolean',
    describe: "read the target's counts before the run and reconcile after - before (a target holding other data)",
  },
  'tally-baseline-file': {
    type: 'string',
    describe:
      'a baseline read earlier with fleetsim tally-baseline (one for every --shard run): reconcile after - before against it',
  },
  quiet: { type: 'boolean', default: false, describe: 'no live progress' },
  baseline: {
    type: 'string',
    describe: 'an earlier report.json (or run folder): report.html compares this run with it',
  },
  'log-level': {
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
    default: 'info' as const,
    describe:
      'level of the pino log written to <run folder>/fleetsim.log (debug: one line per second from each worker, tagged with it)',
  },
} as const satisfies Record<string, Options>;

export const runModule = defineCommand({
  command: 'run <scenario>',
  describe: 'run a scenario against the embedded endpoint (or --target) and reconcile',
  builder: (y, ctx) =>
    y
      .positional('scenario', { type: 'string', describe: 'scenario YAML file', demandOption: true })
      .options(FLAGS)
      .middleware((parsed) => envFlags(parsed, ctx.argv, optionsOf(y)), true)
      .example('$0 run scenarios/quickstart.yaml', 'the quick start: embedded endpoint, reconciled tallies')
      .example('$0 run my.yaml --devices 5000 --rate 2000 --duration 5m', 'load from the command line')
      .example('FLEETSIM_DEVICES=200 $0 run ci.yaml', 'any flag as FLEETSIM_<FLAG>')
      .example('$0 run my.yaml --jsonl m.jsonl --metrics-port 9464', 'stream figures while it runs')
      .epilog(EPILOG)
      .options(TARGET_FLAGS)
      .options(scaleOptions),
  handler: (a) =>
    runCommand({
      scenario: a.scenario as string,
      transport: a.transport,
      devices: optionalWholeNumber('devices', a.devices),
      seed: a.seed,
      out: a.out,
      target: a.target,
      ...(a['target-file'] ? { targetFile: a['target-file'] } : {}),
      ...(a['run-id'] ? { runId: a['run-id'] } : {}),
      talliesUrl: a['tallies-url'],
      ...(a.namespace ? { namespace: true } : {}),
      ...(a['tally-baseline'] ? { tallyBaseline: true } : {}),
      ...(a['tally-baseline-file'] ? { tallyBaselineFile: a['tally-baseline-file'] } : {}),
      quiet: a.quiet,
      ...(a.baseline ? { baseline: a.baseline } : {}),
      load: {
        ...(a['time-scale'] !== undefined ? { timeScale: a['time-scale'] } : {}),
        ...(a.rate !== undefined ? { rate: a.rate } : {}),
        ...(a.ramp !== undefined ? { ramp: a.ramp } : {}),
        ...(a['give-up-after'] !== undefined ? { giveUpAfter: a['give-up-after'] } : {}),
      },
      ...(a.duration !== undefined ? { duration: a.duration } : {}),
      outputs: {
        ...(a.jsonl ? { jsonl: a.jsonl } : {}),
        ...(a['jsonl-events'] ? { jsonlEvents: true } : {}),
        ...(a.csv ? { csv: a.csv } : {}),
        ...(a['metrics-port'] !== undefined
          ? { metricsPort: optionalWholeNumber('metrics-port', a['metrics-port'], 0)! }
          : {}),
        ...(a['metrics-host'] ? { metricsHost: a['metrics-host'] } : {}),
        ...(a.otlp ? { otlp: a.otlp } : {}),
        ...(a['otlp-interval'] !== undefined ? { otlpInterval: a['otlp-interval'] } : {}),
        ...(a['prom-remote-write'] ? { promRemoteWrite: a['prom-remote-write'] } : {}),
        ...(a['prom-remote-write-interval'] !== undefined
          ? { promRemoteWriteInterval: a['prom-remote-write-interval'] }
          : {}),
        ...(a['prom-remote-write-header'] !== undefined
          ? { promRemoteWriteHeaders: [a['prom-remote-write-header']].flat().map(String) }
          : {}),
      },
      logLevel: a['log-level'],
      ...scaleArgs(a),
    }),
});
