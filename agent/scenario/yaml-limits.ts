/**
 * Limits on what a scenario file may make the YAML parser build. Aliases let a few hundred
 * bytes expand into gigabytes ("billion laughs"); a scenario is a page of text, so an expansion
 * far beyond that, a file far beyond that, or an alias to an anchor that does not exist is
 * refused here, at the line that causes it, before the document becomes objects.
 */
import type { Alias, Document, isAlias, isCollection, isPair, isScalar, LineCounter, Node, visit } from 'yaml';
import type { Problem } from './load.js';

/**
 * The yaml package's node helpers, handed in by the loader: the loader is the room's one edge
 * to the parser, and this file only walks what it parsed.
 */
export interface YamlWalk {
  visit: typeof visit;
  isAlias: typeof isAlias;
  isCollection: typeof isCollection;
  isPair: typeof isPair;
  isScalar: typeof isScalar;
}

/** Far beyond any real scenario (the largest shipped one is 6 KB). */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
/** Nodes the aliases of one file may add when expanded; a real scenario adds a few hundred at most. */
export const MAX_ALIAS_EXPANSION = 100_000;
/** The yaml library's own guard, behind ours (its count is per anchor use, not per node). */
export const YAML_MAX_ALIAS_COUNT = 1000;

/** The first line that lies past the size cap, for a file that is too large. */
export function sizeProblem(bytes: number, lineAtCap: number | undefined): Problem | undefined {
  if (bytes <= MAX_SCENARIO_BYTES) return undefined;
  return {
    path: [],
    line: lineAtCap,
    message: `the file is ${bytes.toLocaleString('en-US')} bytes; a scenario may be at most ${MAX_SCENARIO_BYTES.toLocaleString('en-US')} bytes (1 MiB). A scenario describes a fleet by cohorts and counts, not device by device: use count: on a cohort instead of listing devices`,
  };
}

type Ranged = { range?: [number, number, number] | null };

function lineOf(node: Ranged, lc: LineCounter): number | undefined {
  return node.range ? lc.linePos(node.range[0]).line : undefined;
}

/**
 * An unresolved alias, or the alias at which the document's expansion passes MAX_ALIAS_EXPANSION
 * nodes. Sizes are memoised per anchored node, so a bomb is measured without being expanded.
 */
export function aliasProblem(doc: Document, lc: LineCounter, yaml: YamlWalk): Problem | undefined {
  const { visit, isAlias, isCollection, isPair, isScalar } = yaml;
  const anchored = new Map<string, Node>();
  const target = new Map<Alias, Node>();
  let problem: Problem | undefined;
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) {
        const found = anchored.get(node.source);
        if (!found) {
          problem = {
            path: [],
            line: lineOf(node, lc),
            message: `alias *${node.source} refers to no anchor &${node.source} above it; define the anchor before the alias, or write the value out`,
          };
          return visit.BREAK;
        }
        target.set(node, found);
      }
      if ('anchor' in node && typeof node.anchor === 'string' && node.anchor) anchored.set(node.anchor, node);
      return undefined;
    },
  });
  if (problem) return problem;
  const sizes = new Map<unknown, number>();
  const size = (node: unknown): number => {
    if (node === null || node === undefined || isScalar(node)) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    sizes.set(node, 1); // an alias cycle counts once instead of looping
    let n = 1;
    if (isAlias(node)) n = size(target.get(node));
    else if (isPair(node)) n = size(node.key) + size(node.value);
    else if (isCollection(node)) for (const it of node.items as unknown[]) n += size(it);
    n = Math.min(n, Number.MAX_SAFE_INTEGER);
    sizes.set(node, n);
    return n;
  };
  let expansion = 0;
  visit(doc, {
    Alias: (_key, node) => {
      expansion += size(target.get(node));
      if (expansion > MAX_ALIAS_EXPANSION) {
        problem = {
          path: [],
          line: lineOf(node, lc),
          message: `alias *${node.source} makes the file's aliases expand to more than ${MAX_ALIAS_EXPANSION.toLocaleString('en-US')} values (aliases of aliases multiply, as in a "billion laughs" file); a scenario needs a few at most: use anchors for shared settings only`,
        };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return problem;
}
