/**
 * Loads a target description, from a `--target-file` or a scenario's `target:` section:
 * validated by the schema with file:line, `${NAME}` (or `${NAME:-default}`) taken from the
 * environment, relative file names resolved against the file's folder, and the secrets it holds
 * collected so that logs and reports can leave them out. Nothing is half-loaded.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isAlias, isCollection, isMap, isPair, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { aliasProblem, YAML_MAX_ALIAS_COUNT } from './yaml-limits.js';
import { TargetConfigError } from '../../protocol/errors.js';
import { suggest } from './suggest.js';
import { targetSchema, type TargetSpec } from './target-schema.js';

export interface TargetSource {
  file: string;
  lineOf(path: readonly (string | number)[]): number | undefined;
}

export interface LoadedTarget {
  spec: TargetSpec;
  source: TargetSource;
  /** Where the description sits in its file: [] for a target file, ["target"] in a scenario. */
  basePath: (string | number)[];
  /** Values never to be written to a log or a report. */
  secrets: string[];
}

interface Problem {
  path: (string | number)[];
  message: string;
}

function fieldName(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(top level)';
}

function fail(source: TargetSource, problems: Problem[]): TargetConfigError {
  const lines = problems.slice(0, 8).map((p) => {
    const line = source.lineOf(p.path);
    return `  ${source.file}${line ? `:${line}` : ''}: ${fieldName(p.path)}: ${p.message}`;
  });
  return new TargetConfigError(
    `Invalid target in ${source.file}: ${problems.length === 1 ? 'one problem' : `${problems.length} problems`}.\n${lines.join('\n')}`,
    source.file,
    source.lineOf(problems[0]!.path),
  );
}

const SECRET_NAME = /pass|secret|token|key|cred|auth|cookie/i;
const ENV_REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces ${NAME} in every string; a variable that is not set (and has no default) is a problem. */
function substitute(
  value: unknown,
  path: (string | number)[],
  env: NodeJS.ProcessEnv,
  problems: Problem[],
  secrets: Set<string>,
): unknown {
  if (typeof value === 'string') {
    // a connection string's password is found once it is whole (literalSecrets): its host and port are no secret
    const sensitive = path.some((p) => typeof p === 'string' && SECRET_NAME.test(p));
    return value.replace(ENV_REF, (m, name: string | undefined, fallback: string | undefined) => {
      if (m === '$${') return '${';
      const v = env[name!] ?? fallback;
      if (v === undefined) {
        problems.push({
          path,
          message: `the environment variable ${name} is not set; export it, or write \${${name}:-default}`,
        });
        return '';
      }
      if ((sensitive || SECRET_NAME.test(name!)) && v.length >= 4) secrets.add(v);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, [...path, i], env, problems, secrets));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substitute(v, [...path, k], env, problems, secrets)]),
    );
  }
  return value;
}

/** The literal secrets of a description: passwords, sensitive header values, a connection's password. */
function literalSecrets(spec: TargetSpec, into: Set<string>): void {
  const add = (s: string | undefined) => s && s.length >= 4 && !/^\{[^}]*\}$/.test(s) && into.add(s);
  add(spec.password);
  for (const h of [spec.headers, spec.tallies?.source === 'http' ? spec.tallies.headers : undefined]) {
    for (const [k, v] of Object.entries(h ?? {})) {
      if (SECRET_NAME.test(k)) {
        add(v);
        add(v.replace(/^(Bearer|Basic|Token)\s+/i, ''));
      }
    }
  }
  if (spec.tallies?.source === 'postgres') {
    try {
      add(decodeURIComponent(new URL(spec.tallies.connection).password));
      add(new URL(spec.tallies.connection).password);
    } catch {
      // a key=value connection string: its password= part
      add(/password=([^\s]+)/.exec(spec.tallies.connection)?.[1]);
    }
  }
}

function resolveFiles(spec: TargetSpec, dir: string): void {
  const abs = (f: string) => (isAbsolute(f) ? f : resolve(dir, f));
  const tls = spec.tls;
  if (tls?.ca) tls.ca = Array.isArray(tls.ca) ? tls.ca.map(abs) : abs(tls.ca);
  const cc = tls?.clientCerts;
  if (cc && 'mint' in cc) Object.assign(cc.mint, { caCert: abs(cc.mint.caCert), caKey: abs(cc.mint.caKey) });
  if (cc && 'files' in cc) Object.assign(cc.files, { cert: abs(cc.files.cert), key: abs(cc.files.key) });
  if (spec.tallies?.source === 'http' && spec.tallies.ca) {
    const ca = spec.tallies.ca;
    spec.tallies.ca = Array.isArray(ca) ? ca.map(abs) : abs(ca);
  }
}

/** The keys the schema allows at a path (objects inside optionals and defaults), for suggestions. */
function keysAt(path: readonly (string | number)[]): string[] {
  type Def = { type?: string; shape?: Record<string, unknown>; innerType?: unknown; element?: unknown };
  const unwrap = (s: unknown): { def?: Def } | undefined => {
    let x = s as { def?: Def } | undefined;
    while (x?.def && (x.def.type === 'optional' || x.def.type === 'default')) x = x.def.innerType as typeof x;
    return x;
  };
  let schema = unwrap(targetSchema);
  for (const p of path) {
    const def = schema?.def;
    if (def?.type === 'object' && typeof p === 'string') schema = unwrap(def.shape?.[p]);
    else if (def?.type === 'array') schema = unwrap(def.element);
    else return [];
  }
  return Object.keys(schema?.def?.shape ?? {});
}

/** Validates and resolves a raw description (already parsed, with its source for lines). */
export function resolveTarget(
  raw: unknown,
  source: TargetSource,
  basePath: (string | number)[],
  env: NodeJS.ProcessEnv = process.env,
): LoadedTarget {
  const parsed = targetSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    // the values are not echoed: a target holds secrets
    throw fail(
      source,
      parsed.error.issues
        .map((i) => ({
          path: [...basePath, ...(i.path as (string | number)[])],
          message: i.message,
        }))
        .flatMap((p, n) => {
          const issue = parsed.error.issues[n]!;
          if (issue.code !== 'unrecognized_keys') return [p];
          const known = keysAt(issue.path as (string | number)[]);
          return issue.keys.map((k) => ({
            path: [...p.path, k],
            message: `unknown field "${k}"${suggest(k, known)}; expected one of ${known.join(', ')}`,
          }));
        }),
    );
  }
  const problems: Problem[] = [];
  const secrets = new Set<string>();
  const spec = substitute(parsed.data, basePath, env, problems, secrets) as TargetSpec;
  if (problems.length) throw fail(source, problems);
  literalSecrets(spec, secrets);
  resolveFiles(spec, dirname(source.file));
  return { spec, source, basePath, secrets: [...secrets].sort((a, b) => b.length - a.length) };
}

function lineOf(doc: Document, lc: LineCounter, path: readonly (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (n < path.length && isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && it.key.value === path[n]);
      const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lc.linePos(range[0]).line;
    }
    if (node?.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Parses target YAML text; `file` names it in messages and anchors relative file names. */
export function parseTargetFile(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedTarget {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const source: TargetSource = { file, lineOf: (p) => lineOf(doc, lc, p) };
  if (doc.errors.length) {
    throw fail(
      { file, lineOf: () => lc.linePos(doc.errors[0]!.pos[0]).line },
      doc.errors.map((e) => ({ path: [], message: `YAML syntax: ${e.message.split('\n')[0]}` })),
    );
  }
  const bomb = aliasProblem(doc, lc, { visit, isAlias, isCollection, isPair, isScalar });
  if (bomb) throw fail({ file, lineOf: () => bomb.line }, [bomb]);
  return resolveTarget(doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT }), source, [], env);
}

export function loadTargetFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedTarget {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TargetConfigError(
      `Cannot read the target file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}. Pass a YAML target description (docs/targets.md).`,
      file,
    );
  }
  return parseTargetFile(text, file, env);
}
