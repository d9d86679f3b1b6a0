/**
 * Problems found in a target description after it was loaded (an unknown template field, a
 * status with no code, a JSONata expression that does not parse), reported like the loader's:
 * file:line, the field, what is wrong. The line comes from the loaded file's source map.
 */
import { TargetConfigError } from '../../protocol/errors.js';

/** Where a loaded description came from (the scenario, or a --target-file). */
export interface DescriptionSource {
  file: string;
  lineOf(path: readonly (string | number)[]): number | undefined;
}

export interface TargetProblem {
  path: (string | number)[];
  message: string;
}

function fieldName(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(top level)';
}

export function targetConfigError(
  problems: readonly TargetProblem[],
  source: DescriptionSource | undefined,
  what = 'target',
): TargetConfigError {
  const file = source?.file ?? '(command line)';
  const where = (p: TargetProblem) => {
    const line = source?.lineOf(p.path);
    return `${file}${line ? `:${line}` : ''}: ${fieldName(p.path)}`;
  };
  const lines = problems.slice(0, 8).map((p) => `  ${where(p)}: ${p.message}`);
  const more = problems.length > 8 ? `\n  ...and ${problems.length - 8} more` : '';
  const first = problems[0];
  return new TargetConfigError(
    `Invalid ${what} in ${file}: ${problems.length === 1 ? 'one problem' : `${problems.length} problems`}.\n${lines.join('\n')}${more}`,
    file,
    first ? source?.lineOf(first.path) : undefined,
  );
}
