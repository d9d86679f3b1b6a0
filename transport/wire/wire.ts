/**
 * Compiles a wire description (a profile, the user's templates and code tables) once, at start,
 * into the functions the transports call per event: topic, HTTP method and path, body, and the
 * device id on the wire. Any problem (unknown field, status without a code) is an error now, with
 * file:line, never a surprise mid-run.
 */
import { TRANSPORTS, type TransportKind } from '../kinds/kinds.js';
import type { Platform } from '../../protocol/catalogue/catalogue.js';
import type { DeviceSpec } from '../../agent/fleet/fleet.js';
import type { Emitted } from '../../agent/sim/simulator.js';
import { compileCodes, type CodeTable } from './codes.js';
import { compileJsonBody } from './body.js';
import type { WireRuntime } from './fields.js';
import { PROFILES } from './profiles.js';
import { targetConfigError, type DescriptionSource, type TargetProblem } from './problems.js';
import { fieldsOf, parseTemplate, renderText, type Part } from './template.js';
import type { WireConfig } from './wire-config.js';
import { suggest } from '../../agent/scenario/suggest.js';

export interface CompiledWire {
  /** The profile it started from, and whether the user changed it (for reports). */
  readonly describe: string;
  /** True for the fleetsim profile unchanged: the built-in encoder writes the same bytes, faster. */
  readonly builtin: boolean;
  readonly codes: CodeTable;
  /** What the getters read besides the event. */
  readonly runtime: WireRuntime;
  readonly method: string;
  /** The path when no placeholder varies it per event (then HTTP may batch). */
  readonly fixedPath: string | undefined;
  readonly contentType: string;
  readonly json: boolean;
  topic(e: Emitted, wallTs: number): string;
  path(e: Emitted, wallTs: number): string;
  body(e: Emitted, wallTs: number): string;
  /** The device id the wire and the user's system know this device by. */
  wireDeviceId(device: DeviceSpec): string;
  /** The device id carries the run id (a run namespace): the run's devices are its own. */
  readonly namespaced: boolean;
}

export interface WireOptions {
  platforms: readonly Platform[];
  runId: string;
  /** The target URL's path: the HTTP path, or a topic prefix for MQTT. */
  urlPath?: string | undefined;
  transport: TransportKind;
  source?: DescriptionSource | undefined;
  /** Where the wire section sits in its file (["target", "wire"] in a scenario). */
  basePath?: (string | number)[];
}

/** The profile with the user's fields over it; value and code tables merge per table. */
export function mergeProfile(config: WireConfig | undefined): {
  merged: WireConfig;
  changed: boolean;
  profile: string;
} {
  const profile = config?.profile ?? 'fleetsim';
  const base = PROFILES[profile] ?? {};
  const own = Object.fromEntries(Object.entries(config ?? {}).filter(([k, v]) => k !== 'profile' && v !== undefined));
  const merged: WireConfig = { ...base, ...own };
  if (base.values || config?.values) merged.values = { ...base.values, ...config?.values };
  if (base.codes || config?.codes) merged.codes = { ...base.codes, ...config?.codes };
  return { merged, changed: Object.keys(own).length > 0, profile };
}

/** A device-only view of a DeviceSpec for device templates (client id, device id). */
function deviceEvent(device: DeviceSpec): Emitted {
  return { inst: { device } } as unknown as Emitted;
}

export function compileWire(config: WireConfig | undefined, opts: WireOptions): CompiledWire {
  const base = opts.basePath ?? ['wire'];
  const problems: TargetProblem[] = [];
  if (config?.profile !== undefined && !PROFILES[config.profile]) {
    problems.push({
      path: [...base, 'profile'],
      message: `unknown profile "${config.profile}"${suggest(config.profile, Object.keys(PROFILES))}; built-in profiles: ${Object.keys(PROFILES).join(', ')}`,
    });
  }
  const { merged, changed, profile } = mergeProfile(config);
  const urlPath = opts.urlPath && opts.urlPath !== '/' ? opts.urlPath : undefined;
  const values = valuesOf(merged);
  const c: TemplateContext = { merged, custom: [...values.keys()], problems, base };

  const codes = compileCodes(merged.codes, opts.platforms);
  if (Array.isArray(codes))
    problems.push(...codes.map((p) => ({ path: [...base, 'codes', ...p.path], message: p.message })));
  const deviceIdParts = template(c, 'deviceId', '{simDeviceId}', true);
  if (typeof merged.deviceId === 'string' && !fieldsOf(deviceIdParts).includes('simDeviceId')) {
    problems.push({
      path: [...base, 'deviceId'],
      message: 'a device id template must contain {simDeviceId}, or devices would share an id',
    });
  }
  const { topic, path } = routeTemplates(c, TRANSPORTS[opts.transport].route, urlPath, config);
  const json = typeof merged.body !== 'string';
  const bodyFor = bodyTemplate(c, json);
  if (problems.length) throw targetConfigError(problems, opts.source);

  const table = codes as CodeTable;
  const identityId = deviceIdParts.length === 1 && fieldsOf(deviceIdParts)[0] === 'simDeviceId';
  const runtime: WireRuntime = {
    codes: table,
    values,
    runId: opts.runId,
    wireDeviceId: identityId ? (id) => id : (_id, e) => renderText(deviceIdParts, e, 0, runtime),
  };
  const fixedPath = path.every((p) => typeof p === 'string') ? path.join('') : undefined;
  return {
    describe: `${profile}${changed ? ' (customised)' : ''}`,
    builtin: profile === 'fleetsim' && !changed && !urlPath,
    codes: table,
    runtime,
    method: merged.method ?? 'POST',
    fixedPath,
    contentType: merged.contentType ?? (json ? 'application/json' : 'text/plain'),
    json,
    topic: (e, w) => renderText(topic, e, w, runtime),
    path: fixedPath !== undefined ? () => fixedPath : (e, w) => renderText(path, e, w, runtime),
    body: bodyFor(runtime),
    wireDeviceId: (device) => runtime.wireDeviceId(device.id, deviceEvent(device)),
    namespaced: fieldsOf(deviceIdParts).includes('runId'),
  };
}

/** What compiling a template reads, and where its problems go. */
interface TemplateContext {
  merged: WireConfig;
  /** The custom values' names, which templates may name. */
  custom: string[];
  problems: TargetProblem[];
  base: (string | number)[];
}

/** The custom values by name, each by cohort ('' for the default). */
function valuesOf(merged: WireConfig): Map<string, Map<string, string>> {
  const values = new Map<string, Map<string, string>>();
  for (const [name, v] of Object.entries(merged.values ?? {})) {
    const byCohort = new Map<string, string>();
    if (typeof v === 'string') byCohort.set('', v);
    else {
      if (v.default !== undefined) byCohort.set('', v.default);
      for (const [c, x] of Object.entries(v.cohorts ?? {})) byCohort.set(c, x);
    }
    values.set(name, byCohort);
  }
  return values;
}

/** One text field's template (or its fallback); `deviceOnly` refuses fields that change per event. */
function template(c: TemplateContext, field: keyof WireConfig, fallback: string, deviceOnly = false): Part[] {
  const given = c.merged[field];
  const t = typeof given === 'string' ? given : fallback;
  const parts = parseTemplate(t, c.custom);
  if (typeof parts === 'string') {
    c.problems.push({ path: [...c.base, field], message: parts });
    return [];
  }
  if (deviceOnly) {
    const bad = parts.filter((p) => typeof p !== 'string' && !p.device).map((p) => (p as { field: string }).field);
    if (bad.length)
      c.problems.push({
        path: [...c.base, field],
        message: `${bad.join(', ')} change from event to event; a device id can name only simDeviceId, platform, cohort, runId, platformCode and custom values`,
      });
  }
  return parts;
}

/** The topic and path templates: a target URL's path prefixes the topic, or is the path. */
function routeTemplates(
  c: TemplateContext,
  route: 'topic' | 'path' | 'none',
  urlPath: string | undefined,
  config: WireConfig | undefined,
): { topic: Part[]; path: Part[] } {
  let topicText = typeof c.merged.topic === 'string' ? c.merged.topic : 'devices/{deviceId}/apps/{appId}/status';
  if (route === 'topic' && urlPath) topicText = `${decodeURIComponent(urlPath).replace(/^\/+|\/+$/g, '')}/${topicText}`;
  const topicParts = parseTemplate(topicText, c.custom);
  if (typeof topicParts === 'string') c.problems.push({ path: [...c.base, 'topic'], message: topicParts });
  const pathParts =
    route === 'path' && urlPath && config?.path === undefined
      ? parseTemplate(decodeURIComponent(urlPath), c.custom)
      : template(c, 'path', '/v1/events');
  if (typeof pathParts === 'string') c.problems.push({ path: [...c.base, 'path'], message: pathParts });
  return { topic: topicParts as Part[], path: pathParts as Part[] };
}

/** The body: a JSON template or a text one, rendered with the runtime built once problems are ruled out. */
function bodyTemplate(c: TemplateContext, json: boolean): (runtime: WireRuntime) => CompiledWire['body'] {
  if (!json) {
    const parts = template(c, 'body', '');
    return (runtime) => (e, w) => renderText(parts, e, w, runtime);
  }
  const r = compileJsonBody(c.merged.body ?? {}, [...c.base, 'body'], c.custom);
  if (Array.isArray(r)) {
    c.problems.push(...r);
    return () => () => '';
  }
  return (runtime) => (e, w) => r(e, w, runtime);
}

/** Compiles a device-level pattern (client id, username, password) over the same fields. */
export function compileDevicePattern(
  text: string,
  path: (string | number)[],
  wire: CompiledWire,
  source?: DescriptionSource,
): (device: DeviceSpec) => string {
  const parsed = parseTemplate(text, [...wire.runtime.values.keys()]);
  const bad = typeof parsed === 'string' ? parsed : parsed.find((p) => typeof p !== 'string' && !p.device);
  if (bad || typeof parsed === 'string') {
    const message =
      typeof bad === 'string' || bad === undefined
        ? String(bad ?? parsed)
        : `${bad.field} is not a device field; a per-device pattern can name deviceId, simDeviceId, platform, cohort, runId, platformCode and custom values`;
    throw targetConfigError([{ path, message }], source);
  }
  const parts = parsed;
  return (device) => renderText(parts, deviceEvent(device), 0, wire.runtime);
}
