/**
 * A JSON body template: the body written as a YAML object whose strings may hold placeholders,
 * compiled once into literal JSON text and slots. A string that is exactly one placeholder keeps
 * the field's type (`"{seq}"` is a JSON number); any other string is interpolated and quoted;
 * `"{native?}"` leaves its key out when the value is empty. Repeated values (catalogue strings,
 * codes) are JSON-quoted once and cached, as the built-in encoder does.
 */
import { parseTemplate, placeholderValue, type Part, type Placeholder } from './template.js';
import type { Emitted } from '../../agent/sim/simulator.js';
import type { WireRuntime } from './fields.js';

type Slot =
  | string
  | { kind: 'value'; p: Placeholder }
  | { kind: 'string'; parts: Part[] }
  | { kind: 'optional'; test: Placeholder; slots: Slot[] };

export interface BodyProblem {
  path: (string | number)[];
  message: string;
}

const quoted = new Map<string, string>();
const MAX_CACHED = 10_000;

function quote(v: string, bounded: boolean): string {
  if (!bounded) return JSON.stringify(v);
  let q = quoted.get(v);
  if (q === undefined) {
    q = JSON.stringify(v);
    if (quoted.size < MAX_CACHED) quoted.set(v, q);
  }
  return q;
}

const inner = (v: string, bounded: boolean): string => quote(v, bounded).slice(1, -1);

function compileValue(
  value: unknown,
  path: (string | number)[],
  custom: readonly string[],
  problems: BodyProblem[],
): Slot[] {
  if (typeof value === 'string') {
    const parts = parseTemplate(value, custom);
    if (typeof parts === 'string') {
      problems.push({ path, message: parts });
      return [];
    }
    if (parts.length === 1 && typeof parts[0] !== 'string') return [{ kind: 'value', p: parts[0]! }];
    if (parts.every((p) => typeof p === 'string')) return [JSON.stringify(parts.join(''))];
    // literal pieces escaped once, here
    return [{ kind: 'string', parts: parts.map((p) => (typeof p === 'string' ? JSON.stringify(p).slice(1, -1) : p)) }];
  }
  if (Array.isArray(value)) {
    const out: Slot[] = ['['];
    value.forEach((v, i) => {
      if (i) out.push(',');
      out.push(...compileValue(v, [...path, i], custom, problems));
    });
    out.push(']');
    return out;
  }
  if (value && typeof value === 'object') {
    const out: Slot[] = ['{'];
    let first = true;
    for (const [k, v] of Object.entries(value)) {
      const slots = [first ? '' : ',', `${JSON.stringify(k)}:`, ...compileValue(v, [...path, k], custom, problems)];
      const lone = slots[2];
      if (lone && typeof lone !== 'string' && lone.kind === 'value' && lone.p.optional) {
        if (first) {
          problems.push({
            path: [...path, k],
            message:
              'an optional value ("{field?}") cannot be the first key of an object; move it after a required one',
          });
        }
        out.push({ kind: 'optional', test: lone.p, slots });
      } else out.push(...slots);
      first = false;
    }
    out.push('}');
    return out;
  }
  return [JSON.stringify(value ?? null)];
}

/** Adjacent literals joined, so rendering concatenates as few strings as possible. */
function merge(slots: Slot[]): Slot[] {
  const out: Slot[] = [];
  for (const s of slots) {
    const last = out[out.length - 1];
    if (typeof s === 'string' && typeof last === 'string') out[out.length - 1] = last + s;
    else if (typeof s === 'string' && s === '') continue;
    else out.push(typeof s !== 'string' && s.kind === 'optional' ? { ...s, slots: merge(s.slots) } : s);
  }
  return out;
}

export type BodyRenderer = (e: Emitted, wallTs: number, rt: WireRuntime) => string;

export function compileJsonBody(
  value: unknown,
  path: (string | number)[],
  custom: readonly string[],
): BodyRenderer | BodyProblem[] {
  const problems: BodyProblem[] = [];
  const slots = merge(compileValue(value, path, custom, problems));
  if (problems.length) return problems;
  const render = (list: readonly Slot[], e: Emitted, w: number, rt: WireRuntime): string => {
    let out = '';
    for (const s of list) {
      if (typeof s === 'string') out += s;
      else if (s.kind === 'value') {
        const v = placeholderValue(s.p, e, w, rt);
        out += typeof v === 'number' ? String(v) : quote(v, s.p.bounded && s.p.filters.length === 0);
      } else if (s.kind === 'string') {
        out += '"';
        for (const p of s.parts) {
          if (typeof p === 'string') out += p;
          else out += inner(String(placeholderValue(p, e, w, rt)), p.bounded);
        }
        out += '"';
      } else if (placeholderValue(s.test, e, w, rt) !== '') out += render(s.slots, e, w, rt);
    }
    return out;
  };
  return (e, w, rt) => render(slots, e, w, rt);
}
