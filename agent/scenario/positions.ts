/**
 * Where a loaded scenario's fields sit in its file, for errors found after loading (a quota the
 * fleet cannot meet): the loader records the line of every field, and the fleet asks `where`
 * without reading a file or parsing YAML. Plain data, so it travels to worker processes with the
 * scenario and their errors keep file:line too.
 */
import type { Scenario } from './schema.js';

export type FieldPath = readonly (string | number)[];

export interface SourcePositions {
  file: string;
  /** Line of each field present in the file, by `pathKey(path)`. */
  lines: Record<string, number>;
}

export const pathKey = (path: FieldPath): string => JSON.stringify(path);

const attached = new WeakMap<Scenario, SourcePositions>();

export function attachPositions(scenario: Scenario, positions: SourcePositions): void {
  attached.set(scenario, positions);
}

/** The positions the loader recorded for this scenario; undefined for one built in code. */
export function positionsOf(scenario: Scenario): SourcePositions | undefined {
  return attached.get(scenario);
}

/** The line of the field at `path`, or of the nearest field around it that the file has. */
export function where(positions: SourcePositions | undefined, path: FieldPath): number | undefined {
  if (!positions) return undefined;
  for (let n = path.length; n >= 0; n--) {
    const line = positions.lines[pathKey(path.slice(0, n))];
    if (line !== undefined) return line;
  }
  return undefined;
}
