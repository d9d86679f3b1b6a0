/**
 * Loads a scenario file: YAML with line numbers (the yaml package's LineCounter), validated by
 * the zod schema, then cross-checked (names unique, cohorts' apps exist and target the
 * platform). Every problem becomes a ScenarioError naming file:line, the field and what would be
 * right; nothing is half-loaded.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
} from 'yaml';
import type { z } from 'zod';
import { ScenarioError } from '../../protocol/errors.js';
import { TRANSPORT_KINDS } from '../../transport/kinds/kinds.js';
import { checkFaults } from './fault-checks.js';
import { checkLifecycleControls } from './lifecycle-checks.js';
import { legacyTransportOptions } from './notices.js';
import { scenarioSchema, type Scenario } from './schema.js';
import { attachPositions, pathKey, type SourcePositions } from './positions.js';
import { suggest } from './suggest.js';
import { aliasProblem, MAX_SCENARIO_BYTES, sizeProblem, YAML_MAX_ALIAS_COUNT } from './yaml-limits.js';
import { parseThreshold, type TagKey } from './thresholds.js';

export { suggest };

export interface Problem {
  path: (string | number)[];
  message: string;
  line?: number;
}

function fieldName(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(top level)';
}

/** The line of the YAML node at `path` (or of the key named `key` inside it). */
function lineOf(doc: Document, lc: LineCounter, path: readonly (string | number)[], key?: string): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (!node) continue;
    if (key !== undefined && n === path.length && isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && it.key.value === key);
      const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lc.linePos(range[0]).line;
    }
    if (n < path.length && isMap(node)) {
      // point at the key of the missing or bad child when the child itself has no node
      const child = path[n];
      const pair = node.items.find((it) => isScalar(it.key) && it.key.value === child);
      const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lc.linePos(range[0]).line;
    }
    if (node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

function describeReceived(doc: Document, path: readonly (string | number)[]): string {
  const v = doc.getIn(path);
  if (v === undefined) return '';
  const json = JSON.stringify(v);
  return `, got ${json && json.length > 40 ? `${json.slice(0, 40)}...` : json}`;
}

function issueToProblem(doc: Document, lc: LineCounter, issue: z.core.$ZodIssue): Problem[] {
  const path = issue.path as (string | number)[];
  if (issue.code === 'unrecognized_keys') {
    const shape = knownKeysAt(path, doc.toJS());
    return issue.keys.map((k) => ({
      path: [...path, k],
      line: lineOf(doc, lc, path, k),
      message: `unknown field "${k}"${suggest(k, shape)}; expected one of ${shape.join(', ')}`,
    }));
  }
  const discriminated = issue as { discriminator?: string; options?: unknown[] };
  if (issue.code === 'invalid_union' && discriminated.discriminator) {
    const names = (discriminated.options ?? []).filter((o) => typeof o === 'string');
    return [
      {
        path,
        line: lineOf(doc, lc, path),
        message: `expected ${discriminated.discriminator} to be one of ${names.map((n) => `"${n}"`).join(', ')}${describeReceived(doc, path)}${typeof doc.getIn(path) === 'string' ? suggest(String(doc.getIn(path)), names) : ''}`,
      },
    ];
  }
  if (issue.code === 'invalid_union') {
    const inner = variantIssues(doc, path, issue);
    if (inner) return inner.flatMap((i) => issueToProblem(doc, lc, i));
    return [{ path, line: lineOf(doc, lc, path), message: `${unionHint(path)}${describeReceived(doc, path)}` }];
  }
  if (issue.code === 'invalid_type' && doc.getIn(path) === undefined) {
    return [{ path, line: lineOf(doc, lc, path), message: `required field is missing (expected ${issue.expected})` }];
  }
  return [
    {
      path,
      line: lineOf(doc, lc, path),
      message: `${issue.message}${issue.code === 'invalid_type' || issue.code === 'invalid_value' ? describeReceived(doc, path) : ''}`,
    },
  ];
}

/** A transport written as an object is one of the transports' variants: its problems are the
 * ones that variant found (a bad option, an unknown kind), not "matches no form". */
function variantIssues(
  doc: Document,
  path: readonly (string | number)[],
  issue: z.core.$ZodIssue,
): z.core.$ZodIssue[] | undefined {
  const v = doc.getIn(path);
  if (path.length !== 1 || path[0] !== 'transport' || v === null || typeof v !== 'object') return undefined;
  const options = (issue as { errors?: z.core.$ZodIssue[][] }).errors ?? [];
  const fits = options.find((errs) => errs.length > 0 && errs.every((e) => e.path.length > 0));
  return fits?.map((e) => ({ ...e, path: [...path, ...e.path] }));
}

function unionHint(path: readonly (string | number)[]): string {
  const last = path[path.length - 1];
  if (last === 'arrival' || last === 'delay')
    return 'expected a delay: a duration ("30s"), or { fixed | uniform: [min, max] | exponential: mean | lognormal: { median, sigma } }';
  if (last === 'timeScale') return 'expected "asap" or a positive number of simulated seconds per real second';
  if (last === 'seed') return 'expected an integer or a string';
  if (last === 'supervised') return 'expected true, false, or the share of supervised devices between 0 and 1';
  if (last === 'method') return 'expected "oma-dm", "download-link", or the share using OMA DM between 0 and 1';
  if (last === 'qos') return 'expected 0, 1 or 2';
  if (path.length === 1 && last === 'transport')
    return `expected ${TRANSPORT_KINDS.join(', ')}, or { kind: one of them, ...its options }`;
  return 'value does not match any allowed form';
}

/** The keys the schema allows at a path, for unknown-field messages. In a discriminated union
 * (load models) they are the keys of the variant the value names. */
function knownKeysAt(path: readonly (string | number)[], raw: unknown): string[] {
  let schema: unknown = scenarioSchema;
  let value = raw;
  const step = (s: unknown) => variantOf(unwrap(s), value);
  for (const p of path) {
    schema = step(schema);
    const def = (schema as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown } }).def;
    if (def?.type === 'object' && typeof p === 'string') schema = def.shape?.[p];
    else if (def?.type === 'array') schema = def.element;
    else return [];
    value = (value as Record<string | number, unknown> | undefined)?.[p];
  }
  schema = step(schema);
  const shape = (schema as { def?: { shape?: Record<string, unknown> } }).def?.shape;
  return shape ? Object.keys(shape) : [];
}

type Def = {
  type?: string;
  innerType?: unknown;
  discriminator?: string;
  options?: unknown[];
  shape?: Record<string, unknown>;
};

/** The option of a discriminated union that `value` names (the one with a default when it names none). */
function variantOf(schema: unknown, value: unknown): unknown {
  const def = (schema as { def?: Def } | undefined)?.def;
  if (def?.type === 'union' && !def.discriminator && value !== null && typeof value === 'object') {
    // a kind or a variant (`transport`): the variants are the object form
    const objects = def.options?.map(unwrap).find((o) => (o as { def?: Def }).def?.discriminator);
    if (objects) return variantOf(objects, value);
  }
  if (def?.type !== 'union' || !def.discriminator || !def.options) return schema;
  const want = (value as Record<string, unknown> | undefined)?.[def.discriminator];
  const literalOf = (o: unknown) => {
    const d = (unwrap((o as { def: Def }).def.shape?.[def.discriminator!]) as { def?: { values?: unknown[] } }).def;
    return d?.values ?? [];
  };
  const isDefault = (o: unknown) =>
    ((o as { def: Def }).def.shape?.[def.discriminator!] as { def?: Def } | undefined)?.def?.type === 'default';
  return def.options.find((o) => literalOf(o).includes(want)) ?? def.options.find(isDefault) ?? schema;
}

function unwrap(schema: unknown): unknown {
  let s = schema as { def?: { type?: string; innerType?: unknown; in?: unknown } } | undefined;
  while (s?.def && ['default', 'optional', 'nullable', 'pipe'].includes(s.def.type ?? '')) {
    s = (s.def.type === 'pipe' ? s.def.in : s.def.innerType) as typeof s;
  }
  return s;
}

/** Cross-field checks that a schema cannot express. */
export function crossCheck(s: Scenario): Problem[] {
  const problems: Problem[] = [];
  const apps = new Map<string, (typeof s.apps)[number]>();
  s.apps.forEach((a, i) => {
    if (apps.has(a.id))
      problems.push({ path: ['apps', i, 'id'], message: `app id "${a.id}" is listed twice; app ids are unique` });
    apps.set(a.id, a);
  });
  const names = new Set<string>();
  s.cohorts.forEach((c, i) => {
    if (names.has(c.name))
      problems.push({
        path: ['cohorts', i, 'name'],
        message: `cohort name "${c.name}" is used twice; cohort names are unique`,
      });
    names.add(c.name);
    (c.apps ?? []).forEach((id, j) => {
      const app = apps.get(id);
      if (!app)
        problems.push({
          path: ['cohorts', i, 'apps', j],
          message: `no app "${id}" in apps${suggest(id, [...apps.keys()])}; known apps: ${[...apps.keys()].join(', ')}`,
        });
      else if (!app.platforms.includes(c.platform))
        problems.push({
          path: ['cohorts', i, 'apps', j],
          message: `app "${id}" is not distributed to ${c.platform} (its platforms: ${app.platforms.join(', ')})`,
        });
    });
    if (!c.apps && !s.apps.some((a) => a.platforms.includes(c.platform))) {
      problems.push({
        path: ['cohorts', i, 'platform'],
        message: `no app is distributed to ${c.platform}; add "${c.platform}" to an app's platforms or list apps for this cohort`,
      });
    }
  });
  s.cohorts.forEach((c, i) => {
    // Shares, not weights: every shipped scenario writes them as fractions of the cohort, and
    // 0.7 + 0.5 is far likelier a slip than a wish for weights 7:5.
    const shares = Object.values(c.osVersions ?? {});
    const sum = shares.reduce((n, x) => n + x, 0);
    if (shares.length && Math.abs(sum - 1) > 1e-6)
      problems.push({
        path: ['cohorts', i, 'osVersions'],
        message: `OS version shares add up to ${Math.round(sum * 1e6) / 1e6}; they are shares of the cohort's devices and must add up to 1, e.g. { "17": 0.7, "16": 0.3 }`,
      });
  });
  for (const [kind, options] of legacyTransportOptions(s)) {
    if (s.transport !== kind || Object.keys(s.transportOptions).length === 0) continue;
    problems.push({
      path: ['load', kind],
      message: `the ${kind} transport's options are given twice, in load.${kind} (the old place) and in transport: move ${Object.keys(options).join(', ')} into transport: { kind: ${kind}, ... } and delete load.${kind}`,
    });
  }
  problems.push(...checkLifecycleControls(s, suggest));
  problems.push(...checkFaults(s, suggest));
  problems.push(...checkThresholdTags(s));
  return problems;
}

/** A tagged threshold must name a platform, app or cohort the scenario has (else it measures nothing). */
function checkThresholdTags(s: Scenario): Problem[] {
  const known: Record<TagKey, string[]> = {
    platform: [...new Set(s.cohorts.map((c) => c.platform))],
    app: s.apps.map((a) => a.id),
    cohort: s.cohorts.map((c) => c.name),
  };
  const what: Record<TagKey, (v: string) => string> = {
    platform: (v) => `no cohort of platform "${v}"`,
    app: (v) => `no app "${v}"`,
    cohort: (v) => `no cohort "${v}"`,
  };
  const problems: Problem[] = [];
  s.thresholds.forEach((input, i) => {
    const t = parseThreshold(input);
    if (typeof t === 'string' || !t.tags) return;
    for (const [key, value] of Object.entries(t.tags) as [TagKey, string][]) {
      if (known[key].includes(value)) continue;
      problems.push({
        path: ['thresholds', i],
        message: `${what[key](value)} in the scenario for "${t.check}"${suggest(value, known[key])}; known: ${known[key].join(', ')}`,
      });
    }
  });
  return problems;
}

/** The line of every node in the document, for errors found after loading (positions.ts). */
function recordPositions(doc: Document, lc: LineCounter, file: string): SourcePositions {
  const lines: Record<string, number> = {};
  const lineAt = (node: unknown) => {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range ? lc.linePos(range[0]).line : undefined;
  };
  const walk = (node: unknown, path: (string | number)[], keyLine: number | undefined) => {
    const line = lineAt(node) ?? keyLine;
    if (line !== undefined) lines[pathKey(path)] = line;
    if (isMap(node)) {
      for (const it of node.items) {
        const k = isScalar(it.key) ? it.key.value : undefined;
        if (typeof k === 'string' || typeof k === 'number') walk(it.value, [...path, k], lineAt(it.key));
      }
    } else if (isSeq(node)) {
      node.items.forEach((it, i) => {
        walk(it, [...path, i], undefined);
      });
    }
  };
  walk(doc.contents, [], undefined);
  return { file, lines };
}

/** How many problems a message lists (`fleetsim validate` lists them all). */
export interface ParseOptions {
  /** @default 8 */
  listed?: number;
  /**
   * Values that replace the file's before it is validated (command-line flags, FLEETSIM_*
   * variables): a bad one is reported against `from`, not a line of the file.
   */
  set?: readonly ScenarioOverride[];
}

export interface ScenarioOverride {
  path: readonly string[];
  value: unknown;
  /** Where the value came from, for messages: "--time-scale" or "FLEETSIM_TIME_SCALE". */
  from: string;
}

function applyOverrides(raw: Record<string, unknown>, set: readonly ScenarioOverride[]): void {
  for (const o of set) {
    let at = raw;
    for (const k of o.path.slice(0, -1)) {
      const next = at[k];
      at = (next !== null && typeof next === 'object' ? next : (at[k] = {})) as Record<string, unknown>;
    }
    at[o.path[o.path.length - 1]!] = o.value;
  }
}

export function formatProblems(file: string, problems: Problem[], listed = 8): ScenarioError {
  const first = problems[0]!;
  const where = (p: Problem) => `${file}${p.line ? `:${p.line}` : ''}: ${fieldName(p.path)}`;
  const lines = problems.slice(0, listed).map((p) => `  ${where(p)}: ${p.message}`);
  const more = problems.length > listed ? `\n  ...and ${problems.length - listed} more` : '';
  const message = `Invalid scenario ${file}: ${problems.length === 1 ? 'one problem' : `${problems.length} problems`}.\n${lines.join('\n')}${more}`;
  return new ScenarioError(message, file, first.line, fieldName(first.path));
}

/** Parses and validates scenario text; `file` is only used in messages. */
export function parseScenario(text: string, file: string, opts: ParseOptions = {}): Scenario {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_SCENARIO_BYTES)
    throw formatProblems(file, [sizeProblem(bytes, lineAtByte(text, MAX_SCENARIO_BYTES))!]);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The parser goes on after the first mistake and reports its consequences too (an unclosed
    // bracket gives a dozen): the first is the one to fix.
    const e = doc.errors[0]!;
    const more = doc.errors.length - 1;
    const problem = {
      path: [],
      line: lc.linePos(e.pos[0]).line,
      message: `YAML syntax: ${e.message.split('\n')[0]}${more ? ` (fix this first: the parser's ${more} other complaint${more > 1 ? 's' : ''} after it may follow from it)` : ''}`,
    };
    throw formatProblems(file, [problem]);
  }
  const bomb = aliasProblem(doc, lc, { visit, isAlias, isCollection, isPair, isScalar });
  if (bomb) throw formatProblems(file, [bomb]);
  const raw = (doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT }) ?? {}) as Record<string, unknown>;
  if (opts.set?.length) applyOverrides(raw, opts.set);
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    // unknown fields first: a typo also shows up as the required field it misspells
    const issues = [...parsed.error.issues].sort(
      (a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'),
    );
    const problems = issues.flatMap((i) => issueToProblem(doc, lc, i));
    for (const p of problems) {
      const o = opts.set?.find((x) => x.path.every((k, i) => p.path[i] === k));
      if (o) Object.assign(p, { line: undefined, message: `${p.message} (from ${o.from} ${JSON.stringify(o.value)})` });
    }
    throw formatProblems(file, problems, opts.listed);
  }
  const problems = crossCheck(parsed.data).map((p) => ({ ...p, line: lineOf(doc, lc, p.path) }));
  if (problems.length > 0) throw formatProblems(file, problems, opts.listed);
  attachPositions(parsed.data, recordPositions(doc, lc, file));
  return parsed.data;
}

/** The line a byte offset falls on (1-based), counting only as far as that offset. */
function lineAtByte(text: string, offset: number): number {
  const head = Buffer.from(text.slice(0, offset)).subarray(0, offset).toString('utf8');
  let line = 1;
  for (let i = head.indexOf('\n'); i !== -1; i = head.indexOf('\n', i + 1)) line++;
  return line;
}

/** A file past the size cap is refused from its first cap's worth of bytes, never read whole. */
function readCapped(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size <= MAX_SCENARIO_BYTES) return readFileSync(fd, 'utf8');
    const head = Buffer.alloc(MAX_SCENARIO_BYTES);
    const n = readSync(fd, head, 0, head.length, 0);
    const problem = sizeProblem(size, lineAtByte(head.subarray(0, n).toString('utf8'), MAX_SCENARIO_BYTES));
    throw formatProblems(file, [problem!]);
  } finally {
    closeSync(fd);
  }
}

export function loadScenario(file: string, opts: ParseOptions = {}): Scenario {
  let text: string;
  try {
    text = readCapped(file);
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    throw new ScenarioError(
      `Cannot read scenario ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}. Pass a path to a YAML scenario such as scenarios/quickstart.yaml.`,
      file,
      undefined,
      undefined,
    );
  }
  return parseScenario(text, file, opts);
}
