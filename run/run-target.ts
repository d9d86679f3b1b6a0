/**
 * A target of the user's own, resolved once at start from a --target-file (or a --target URL
 * whose path matters): the URL and the transport it needs, the wire compiled, TLS and the
 * per-device patterns for the transports, the tally source and how long to wait for the counts
 * to settle. Everything that can be wrong is wrong here, before any device starts.
 */
import { systemClock } from '../core/clock.js';
import { randomBytes } from 'node:crypto';
import type { Scenario } from '../agent/scenario/schema.js';
import { where as lineAt, positionsOf } from '../agent/scenario/positions.js';
import { loadTargetFile, resolveTarget, type LoadedTarget } from '../agent/scenario/target-load.js';
import { parseDuration } from '../core/delay.js';
import type { WireEncoder } from '../drive/drive.js';
import { checkTallyConfig, type TallySourceConfig } from '../endpoint-client/tally-sources.js';
import type { Platform } from '../protocol/catalogue/catalogue.js';
import { UsageError } from '../protocol/errors.js';
import { talliesAtTarget, TRANSPORTS, type TransportKind } from '../transport/kinds/kinds.js';
import { resolveTls } from '../transport/tls/tls-options.js';
import type { TargetWiring } from '../transport/types.js';
import { compileDevicePattern, compileWire, type CompiledWire } from '../transport/wire/wire.js';

export interface RunTarget {
  url: string;
  kind: TransportKind;
  wire: CompiledWire;
  /** For the drive loop; undefined when fleetsim's built-in encoder writes the same bytes. */
  encoder: WireEncoder | undefined;
  wiring: TargetWiring;
  tallies: TallySourceConfig;
  settle: { timeoutMs: number; intervalMs: number };
  secrets: string[];
  loaded: LoadedTarget | undefined;
  runId: string;
  /** Reconcile after - before (reconcile/baseline.ts): the counts are read before the run too. */
  baseline: boolean;
}

/** A short run id: printed, in report.json, settable with --run-id for reruns. */
export function newRunId(): string {
  return `r${randomBytes(3).toString('hex')}`;
}

function kindOf(url: string, where: string): TransportKind {
  let scheme: string;
  try {
    scheme = new URL(url).protocol.slice(0, -1);
  } catch {
    throw new UsageError(`${where}: "${url}" is not a URL; expected mqtt(s)://, ws(s):// or http(s)://host:port/path.`);
  }
  for (const [kind, spec] of Object.entries(TRANSPORTS))
    if (spec.schemes.includes(scheme)) return kind as TransportKind;
  throw new UsageError(
    `${where}: ${url} has the scheme ${scheme}:; fleetsim reaches mqtt, mqtts, ws, wss, http and https targets.`,
  );
}

export interface RunTargetOptions {
  targetFile?: string | undefined;
  target?: string | undefined;
  transport?: TransportKind | undefined;
  runId?: string | undefined;
  /** --namespace: the run's device ids carry its run id ({simDeviceId}.{runId}) unless wire.deviceId says otherwise. */
  namespace?: boolean | undefined;
  /** --tally-baseline: as the description's `baseline: true`. */
  tallyBaseline?: boolean | undefined;
  /** --tallies-url: a fleetsim tallies API, when the description names no tally source. */
  talliesUrl?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** Whether the run needs this path at all: a target file, the scenario's `target:`, or a --target
 * whose path must be honoured. */
export function wantsRunTarget(scenario: Scenario, opts: RunTargetOptions): boolean {
  if (opts.targetFile || scenario.target || opts.namespace || opts.tallyBaseline) return true;
  if (!opts.target) return false;
  try {
    const u = new URL(opts.target);
    return u.pathname !== '/' && u.pathname !== '' && !/^wss?:$/.test(u.protocol);
  } catch {
    return false;
  }
}

/** A --target-file, else the scenario's own `target:` section (lines from the scenario file). */
function loadedTarget(scenario: Scenario, opts: RunTargetOptions): LoadedTarget | undefined {
  const env = opts.env ?? process.env;
  if (opts.targetFile) return loadTargetFile(opts.targetFile, env);
  if (!scenario.target) return undefined;
  const positions = positionsOf(scenario);
  const source = {
    file: positions?.file ?? 'the scenario',
    lineOf: (path: readonly (string | number)[]) => lineAt(positions, path),
  };
  return resolveTarget(scenario.target, source, ['target'], env);
}

function lineNote(t: LoadedTarget, field: string): string {
  const line = t.source.lineOf([...t.basePath, field]);
  return line ? `:${line}` : '';
}

export function resolveRunTarget(scenario: Scenario, opts: RunTargetOptions): RunTarget {
  const platforms = [...new Set(scenario.cohorts.map((c) => c.platform))] as Platform[];
  return resolveDescribed(loadedTarget(scenario, opts), platforms, opts);
}

/** A finished run's target again (fleetsim reconcile, fleetsim merge): its platforms from the report,
 * its description from --target-file, else from the run's scenario when it is given. */
export function resolveReportTarget(
  platforms: readonly Platform[],
  opts: RunTargetOptions,
  scenario?: Scenario,
): RunTarget {
  const loaded = scenario
    ? loadedTarget(scenario, opts)
    : opts.targetFile
      ? loadTargetFile(opts.targetFile, opts.env ?? process.env)
      : undefined;
  return resolveDescribed(loaded, platforms, opts);
}

function resolveDescribed(
  loaded: LoadedTarget | undefined,
  platforms: readonly Platform[],
  opts: RunTargetOptions,
): RunTarget {
  const spec = loaded?.spec;
  // --target replaces the description's url (one description, another host)
  const url = opts.target ?? spec?.url;
  if (!url)
    throw new UsageError(
      '--namespace and --tally-baseline are for a target that already holds data: give --target or --target-file (the embedded endpoint starts empty for every run).',
    );
  const where = opts.target ? '--target' : `${loaded!.source.file}${lineNote(loaded!, 'url')}: url`;
  const kind = kindOf(url, where);
  if (opts.transport && opts.transport !== kind) {
    throw new UsageError(
      `${where} ${url} is a ${kind} target, but --transport ${opts.transport} was given: drop --transport, or give a ${opts.transport} URL.`,
    );
  }
  const u = new URL(url);
  const runId = opts.runId ?? newRunId();
  if (!/^[A-Za-z0-9]{1,32}$/.test(runId))
    throw new UsageError(
      `--run-id ${runId}: a run id is 1-32 letters and digits (it becomes part of device ids, e.g. ios-000042.${runId.replace(/[^A-Za-z0-9]/g, '') || 'r7f3a1'}).`,
    );
  const wireConfig =
    opts.namespace && !spec?.wire?.deviceId ? { ...spec?.wire, deviceId: '{simDeviceId}.{runId}' } : spec?.wire;
  // the path of an MQTT-over-WebSocket URL is the WebSocket endpoint, not a topic prefix
  const route = TRANSPORTS[kind].route;
  const urlPath = /^wss?:$/.test(u.protocol) ? undefined : `${u.pathname}${route === 'path' ? u.search : ''}`;
  const wire = compileWire(wireConfig, {
    platforms,
    runId,
    urlPath,
    transport: kind,
    source: loaded?.source,
    basePath: [...(loaded?.basePath ?? []), 'wire'],
  });
  const { encoder, wiring } = wiringOf(loaded, u, wire, route);
  const tallies = talliesOf(loaded, opts, kind, u);
  const settle = spec?.settle;
  // a JSONata expression that does not parse is an error with file:line before any device starts
  checkTallyConfig(tallies, { source: loaded?.source, basePath: [...(loaded?.basePath ?? []), 'tallies'] });
  return {
    url,
    kind,
    wire,
    encoder,
    wiring,
    tallies,
    settle: {
      timeoutMs: settle ? parseDuration(settle.timeout)! : 0,
      intervalMs: settle ? parseDuration(settle.interval)! : 500,
    },
    secrets: loaded?.secrets ?? [],
    loaded,
    runId,
    baseline: spec?.baseline === true || opts.tallyBaseline === true,
  };
}

/** How the transport reaches the target's devices: TLS, headers, the HTTP method and path, and the
 * per-device client id and credentials its patterns render; the encoder when the wire is not fleetsim's own. */
function wiringOf(
  loaded: LoadedTarget | undefined,
  u: URL,
  wire: CompiledWire,
  route: 'topic' | 'path' | 'none',
): { encoder: WireEncoder | undefined; wiring: TargetWiring } {
  const spec = loaded?.spec;
  const tls =
    u.protocol === 'https:' || u.protocol === 'mqtts:' || u.protocol === 'wss:' || spec?.tls
      ? resolveTls(spec?.tls, () => systemClock.now())
      : undefined;
  const pattern = (text: string | undefined, field: string) =>
    text === undefined
      ? undefined
      : compileDevicePattern(text, [...(loaded?.basePath ?? []), field], wire, loaded?.source);
  const clientId = pattern(spec?.clientId, 'clientId');
  const username = pattern(spec?.username, 'username');
  const password = pattern(spec?.password, 'password');
  // patterns render from a device; the transports know devices by their wire id
  const devices = new Map<string, Parameters<CompiledWire['wireDeviceId']>[0]>();
  const deviceOf = (wireId: string) => devices.get(wireId);
  const encoder: WireEncoder | undefined =
    wire.builtin && !clientId && !username && !password
      ? undefined
      : {
          body: (e, w) => wire.body(e, w),
          route: route === 'topic' ? (e, w) => wire.topic(e, w) : (e, w) => wire.path(e, w),
          deviceId: (e) => {
            const id = wire.wireDeviceId(e.inst.device);
            if ((clientId || username || password) && !devices.has(id)) devices.set(id, e.inst.device);
            return id;
          },
        };
  const render = (p: ((d: NonNullable<ReturnType<typeof deviceOf>>) => string) | undefined, wireId: string) => {
    const d = deviceOf(wireId);
    return p && d ? p(d) : undefined;
  };
  const wiring: TargetWiring = {
    ...(tls ? { tls } : {}),
    ...(spec?.headers ? { headers: spec.headers } : {}),
    ...(route === 'path'
      ? { method: wire.method, contentType: wire.contentType, ...(wire.fixedPath ? { path: wire.fixedPath } : {}) }
      : {}),
    ...(clientId ? { clientIdFor: (id: string) => render(clientId, id) ?? id } : {}),
    ...(username || password
      ? { deviceCredentials: (id: string) => ({ username: render(username, id), password: render(password, id) }) }
      : {}),
    will: wire.builtin,
  };
  return { encoder, wiring };
}

/** Where the counts are read back: --tallies-url, the description's tally source, or the target's
 * own origin when it serves the tallies API (fleetsim serve over HTTP). */
function talliesOf(
  loaded: LoadedTarget | undefined,
  opts: RunTargetOptions,
  kind: TransportKind,
  u: URL,
): TallySourceConfig {
  const spec = loaded?.spec;
  // a target that serves the tallies API at its origin (fleetsim serve over HTTP) is read there
  const atOrigin = talliesAtTarget(kind, u);
  const defaultTallies: TallySourceConfig = opts.talliesUrl
    ? { source: 'fleetsim', url: opts.talliesUrl }
    : atOrigin && !loaded
      ? { source: 'fleetsim', url: atOrigin }
      : { source: 'none' };
  // a description that reads nothing back (none) gives way to an explicit --tallies-url
  return spec?.tallies && !(spec.tallies.source === 'none' && opts.talliesUrl)
    ? (spec.tallies as TallySourceConfig)
    : defaultTallies;
}
