/**
 * Mapping tables from our (platform, status, state) to the user's own codes. Keys may be
 * general or specific (`installed`, `ios/installed`, `failed/install_failed`,
 * `ios/failed/install_failed`, `*`); the most specific key wins, a state named beating a status
 * beating a platform. Values are literal codes or small templates over the catalogue entry
 * (`{state|upper}`). Every (platform, status, state) of the catalogue in use is resolved once,
 * here, so the per-event lookup is two property reads, and the same table read backwards maps the
 * user's labels to ours when counts come back. A table that leaves a catalogue entry without a
 * code, or names one that does not exist, is a problem reported with its key.
 */
import { CATALOGUE, type Platform } from '../../protocol/catalogue/catalogue.js';
import { suggest } from '../../agent/scenario/suggest.js';

export interface CodesConfig {
  platform?: Record<string, string> | undefined;
  status?: Record<string, string> | undefined;
  state?: Record<string, string> | undefined;
}

export interface CodeCell {
  status: string;
  state: string;
}

export interface Triple {
  platform: Platform;
  status: string;
  state: string;
}

export interface CodeTable {
  /** True when no table is given: codes are our ids. */
  readonly identity: boolean;
  platform(p: Platform): string;
  cell(p: Platform, status: string, state: string): CodeCell;
  /** `platformCode\0statusCode\0stateCode` -> the entries of ours that carry those codes. */
  inverse(): ReadonlyMap<string, readonly Triple[]>;
}

export interface CodeProblem {
  path: string[];
  message: string;
}

type Table = 'platform' | 'status' | 'state';
const SEGMENTS: Record<Table, number> = { platform: 1, status: 2, state: 3 };
/** Weight of a named (not "*") segment: platform, status, state. */
const WEIGHT = [1, 2, 4];

const VALUE_FIELDS = ['platform', 'status', 'state', 'statusLabel', 'stateLabel', 'native', 'nativeCode'] as const;

function renderValue(value: string, t: Triple): string | { problem: string } {
  const st = CATALOGUE[t.platform].statuses.find((s) => s.id === t.status)!;
  const sd = st.states.find((s) => s.id === t.state)!;
  const vars: Record<(typeof VALUE_FIELDS)[number], string> = {
    platform: t.platform,
    status: t.status,
    state: t.state,
    statusLabel: st.label,
    stateLabel: sd.label,
    native: sd.native ?? '',
    nativeCode: sd.native ? sd.native.slice(sd.native.indexOf(':') + 1) : '',
  };
  let problem: string | undefined;
  const out = value.replace(/\{([^}|]+)((?:\|[^}|]+)*)\}/g, (_m, name: string, filters: string) => {
    const v = vars[name.trim() as keyof typeof vars];
    if (v === undefined) {
      problem = `unknown field "${name}"${suggest(name, VALUE_FIELDS)} in a code; a code can name ${VALUE_FIELDS.join(', ')}`;
      return '';
    }
    let r = v;
    for (const f of filters
      .split('|')
      .slice(1)
      .map((s) => s.trim())) {
      if (f === 'upper') r = r.toUpperCase();
      else if (f === 'lower') r = r.toLowerCase();
      else problem = `unknown filter "${f}" in a code; codes take upper and lower`;
    }
    return r;
  });
  return problem ? { problem } : out;
}

/** A key normalised to its full length with "*" for what it leaves out, leftmost segments first. */
function normalise(table: Table, key: string): string[] {
  const parts = key.split('/').map((s) => s.trim());
  const n = SEGMENTS[table];
  if (key === '*') return Array(n).fill('*');
  return [...Array(n - parts.length).fill('*'), ...parts];
}

function checkKey(table: Table, key: string, parts: string[], platforms: readonly Platform[]): string | undefined {
  const n = SEGMENTS[table];
  if (key.split('/').length > n)
    return `key "${key}" has too many parts; codes.${table} keys have at most ${n} (${['platform', 'status', 'state'].slice(0, n).join('/')})`;
  const [p, s, st] = parts;
  const plats = p === '*' ? platforms : platforms.filter((x) => x === p);
  if (p !== '*' && plats.length === 0)
    return `"${p}" is not a platform of this fleet${suggest(p!, platforms)}; platforms: ${platforms.join(', ')}`;
  if (s === undefined || s === '*') return undefined;
  const statuses = plats.flatMap((x) => CATALOGUE[x].statuses);
  const matching = statuses.filter((x) => x.id === s);
  if (matching.length === 0)
    return `"${s}" is not a status${p === '*' ? '' : ` of ${p}`}${suggest(s, [...new Set(statuses.map((x) => x.id))])}`;
  if (st === undefined || st === '*') return undefined;
  const states = matching.flatMap((x) => x.states.map((y) => y.id));
  if (!states.includes(st)) return `"${st}" is not a state of status "${s}"${suggest(st, states)}`;
  return undefined;
}

interface Rule {
  parts: string[];
  weight: number;
  value: string;
  key: string;
}

function rules(
  table: Table,
  config: Record<string, string>,
  platforms: readonly Platform[],
  problems: CodeProblem[],
): Rule[] {
  const out: Rule[] = [];
  for (const [key, value] of Object.entries(config)) {
    const parts = normalise(table, key);
    const bad = checkKey(table, key, parts, platforms);
    if (bad) problems.push({ path: [table, key], message: bad });
    else out.push({ key, parts, value, weight: parts.reduce((w, x, i) => w + (x === '*' ? 0 : WEIGHT[i]!), 0) });
  }
  return out.sort((a, b) => b.weight - a.weight);
}

function pick(rs: readonly Rule[], t: Triple): Rule | undefined {
  const want = [t.platform, t.status, t.state];
  return rs.find((r) => r.parts.every((x, i) => x === '*' || x === want[i]));
}

/** Compiles the tables for the platforms a fleet uses; problems are returned, not thrown. */
export function compileCodes(
  config: CodesConfig | undefined,
  platforms: readonly Platform[],
): CodeTable | CodeProblem[] {
  const problems: CodeProblem[] = [];
  const tables = (['platform', 'status', 'state'] as const).map((t) =>
    config?.[t] ? rules(t, config[t], platforms, problems) : undefined,
  );
  const platformCode = new Map<Platform, string>();
  // nested records: two property reads per event, no key string built
  const cells: Record<string, Record<string, Record<string, CodeCell>>> = Object.create(null);
  const inverse = new Map<string, Triple[]>();
  const missing: Record<Table, string[]> = { platform: [], status: [], state: [] };
  for (const platform of platforms) {
    for (const s of CATALOGUE[platform].statuses) {
      for (const st of s.states) {
        const t: Triple = { platform, status: s.id, state: st.id };
        const codes = (['platform', 'status', 'state'] as const).map((name, i) => {
          const rs = tables[i];
          const fallback = [platform, s.id, st.id][i]!;
          if (!rs) return fallback;
          const rule = pick(rs, t);
          if (!rule) {
            missing[name].push(
              ['platform', 'status', 'state']
                .slice(0, SEGMENTS[name])
                .map((_, j) => [platform, s.id, st.id][j])
                .join('/'),
            );
            return fallback;
          }
          const v = renderValue(rule.value, t);
          if (typeof v !== 'string') {
            if (!problems.some((p) => p.path[1] === rule.key))
              problems.push({ path: [name, rule.key], message: v.problem });
            return fallback;
          }
          return v;
        }) as [string, string, string];
        platformCode.set(platform, codes[0]);
        const byStatus = (cells[platform] ??= Object.create(null) as Record<string, Record<string, CodeCell>>);
        (byStatus[s.id] ??= Object.create(null) as Record<string, CodeCell>)[st.id] = {
          status: codes[1],
          state: codes[2],
        };
        const k = codes.join('\u0000');
        const list = inverse.get(k);
        if (list) list.push(t);
        else inverse.set(k, [t]);
      }
    }
  }
  for (const name of ['platform', 'status', 'state'] as const) {
    const m = [...new Set(missing[name])];
    if (m.length)
      problems.push({
        path: [name],
        message: `no code for ${m.length === 1 ? '' : `${m.length} entries: `}${m.slice(0, 6).join(', ')}${m.length > 6 ? ', ...' : ''}; add ${m.length === 1 ? 'it' : 'them'}, or a "*" default such as "*": "{${name}|upper}"`,
      });
  }
  if (problems.length) return problems;
  const identity = !config?.platform && !config?.status && !config?.state;
  return {
    identity,
    platform: (p) => platformCode.get(p) ?? p,
    cell: (p, status, state) => cells[p]?.[status]?.[state] ?? { status, state },
    inverse: () => inverse,
  };
}
