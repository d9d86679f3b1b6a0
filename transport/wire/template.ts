/**
 * The template language: text with `{field}` or `{field|filter|filter}` placeholders, `{field?}`
 * for a value that may be empty (a JSON body then leaves the key out), and `{{` / `}}` for literal
 * braces. A template is parsed once into parts; rendering walks the parts with no parsing.
 */
import { suggest } from '../../agent/scenario/suggest.js';
import type { Emitted } from '../../agent/sim/simulator.js';
import { FIELDS, valueGetter, type Getter, type WireRuntime } from './fields.js';

export type Filter = (v: string | number) => string | number;

export const FILTERS: Readonly<Record<string, Filter>> = {
  upper: (v) => String(v).toUpperCase(),
  lower: (v) => String(v).toLowerCase(),
  /** ms since the epoch -> ISO 8601 */
  iso: (v) => new Date(Number(v)).toISOString(),
  /** ms since the epoch -> whole seconds */
  seconds: (v) => Math.floor(Number(v) / 1000),
  url: (v) => encodeURIComponent(String(v)),
  /** JSON-quoted, for hand-written JSON in a text template */
  json: (v) => JSON.stringify(v),
};

export interface Placeholder {
  field: string;
  get: Getter;
  filters: Filter[];
  type: 'string' | 'number';
  bounded: boolean;
  device: boolean;
  optional: boolean;
}

export type Part = string | Placeholder;

/** Parses `text`; returns the parts, or the first problem in words. */
export function parseTemplate(text: string, customValues: readonly string[]): Part[] | string {
  const parts: Part[] = [];
  let lit = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if ((c === '{' || c === '}') && text[i + 1] === c) {
      lit += c;
      i++;
      continue;
    }
    if (c === '}') return `a lone "}" at character ${i + 1} of "${text}"; write "}}" for a literal brace`;
    if (c !== '{') {
      lit += c;
      continue;
    }
    const end = text.indexOf('}', i);
    if (end < 0) return `"{" at character ${i + 1} of "${text}" is never closed; write "{{" for a literal brace`;
    const p = placeholder(text.slice(i + 1, end).trim(), customValues);
    if (typeof p === 'string') return p;
    if (lit) parts.push(lit);
    lit = '';
    parts.push(p);
    i = end;
  }
  if (lit) parts.push(lit);
  return parts;
}

function placeholder(inner: string, customValues: readonly string[]): Placeholder | string {
  const [head = '', ...filterNames] = inner.split('|').map((s) => s.trim());
  const optional = head.endsWith('?');
  const field = optional ? head.slice(0, -1) : head;
  const def = FIELDS[field];
  const custom = customValues.includes(field);
  if (!def && !custom) {
    const known = [...Object.keys(FIELDS), ...customValues];
    return `unknown field "${field}"${suggest(field, known)}; a template can name ${known.join(', ')}`;
  }
  const filters: Filter[] = [];
  let type: 'string' | 'number' = def?.type ?? 'string';
  for (const name of filterNames) {
    const f = FILTERS[name];
    if (!f)
      return `unknown filter "${name}"${suggest(name, Object.keys(FILTERS))}; filters are ${Object.keys(FILTERS).join(', ')}`;
    filters.push(f);
    type = name === 'seconds' ? 'number' : 'string';
  }
  return {
    field,
    get: def ? def.get : valueGetter(field),
    filters,
    type,
    bounded: def ? def.bounded : true,
    device: def ? def.device : true,
    optional,
  };
}

/** The placeholder's value for one event, filters applied (explicit arguments: no array per call). */
export function placeholderValue(p: Placeholder, e: Emitted, wallTs: number, rt: WireRuntime): string | number {
  let v = p.get(e, wallTs, rt);
  for (const f of p.filters) v = f(v);
  return v;
}

/** Renders parts as plain text (topics, paths, ids): no quoting. */
export function renderText(parts: readonly Part[], e: Emitted, wallTs: number, rt: WireRuntime): string {
  let out = '';
  for (const p of parts) out += typeof p === 'string' ? p : placeholderValue(p, e, wallTs, rt);
  return out;
}

/** The fields a parsed template names. */
export function fieldsOf(parts: readonly Part[]): string[] {
  return parts.flatMap((p) => (typeof p === 'string' ? [] : [p.field]));
}
