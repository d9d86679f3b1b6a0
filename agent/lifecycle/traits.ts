/**
 * The traits a platform's guards read, declared as a typed record: each trait is a boolean, a
 * number, or one of a list of strings. The declaration gives the model's guards their type (a
 * guard on an undeclared trait, or with a value the trait cannot take, does not compile), and
 * checkGuards says the same at load time for a model built outside the type checker's view.
 */
import type { LifecycleModel, TraitValue } from './model.js';

export type TraitKind = 'boolean' | 'number' | readonly string[];
export type TraitDecls = Readonly<Record<string, TraitKind>>;

type ValueOf<K extends TraitKind> = K extends 'boolean'
  ? boolean
  : K extends 'number'
    ? number
    : K extends readonly (infer S)[]
      ? S
      : never;

/** The trait values a declaration allows, e.g. { osOk: boolean; appKind: 'free' | 'vpp' }. */
export type TraitsOf<D extends TraitDecls> = { readonly [K in keyof D]: ValueOf<D[K]> };

function fits(kind: TraitKind, v: TraitValue): boolean {
  if (kind === 'boolean') return typeof v === 'boolean';
  if (kind === 'number') return typeof v === 'number';
  return typeof v === 'string' && kind.includes(v);
}

/** Every guard of the model against the declared traits: undeclared names and impossible values. */
export function checkGuards(model: LifecycleModel, decls: TraitDecls): string[] {
  const problems: string[] = [];
  for (const [name, node] of Object.entries(model.nodes)) {
    for (const t of node.out ?? []) {
      for (const [trait, want] of Object.entries(t.when ?? {})) {
        const kind = decls[trait];
        if (kind === undefined) {
          problems.push(
            `${model.platform} model: ${name}->${t.to} guards on "${trait}", which the platform does not declare (its traits: ${Object.keys(decls).join(', ')})`,
          );
          continue;
        }
        for (const v of (Array.isArray(want) ? want : [want]) as TraitValue[]) {
          if (!fits(kind, v))
            problems.push(
              `${model.platform} model: ${name}->${t.to} wants ${trait} = ${JSON.stringify(v)}, which ${trait} (${Array.isArray(kind) ? kind.join(' | ') : kind}) cannot be`,
            );
        }
      }
    }
  }
  return problems;
}
