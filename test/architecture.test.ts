/**
 * The layout holds: docs/architecture.md lists the rooms in dependency order, and the import graph
 * of the source tree keeps to it (no import up the list, no cycle of value imports, no I/O module
 * reached from a pure room). Known violations are listed below with what they are; the list can
 * only shrink, because an entry that no longer occurs fails the test too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findViolations, type Graph, importsOf, parseRooms, readGraph, sourceFiles } from './helpers/import-graph.js';

const ROOT = join(__dirname, '..');
const ROOMS = parseRooms(readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8'));

/** Packages that do no I/O, which a pure room may use. */
const PURE_PACKAGES = new Set(['zod', 'hdr-histogram-js']);

/** Violations on main that are being fixed; each names what is wrong. Remove an entry once fixed. */
const KNOWN: Record<string, string> = {};

function graph(edges: Record<string, (string | [string, 'type'])[]>): Graph {
  const g: Graph = new Map();
  for (const [file, to] of Object.entries(edges)) {
    g.set(
      file,
      to.map((t) => (typeof t === 'string' ? { to: t, value: true } : { to: t[0], value: false })),
    );
  }
  return g;
}

const keys = (g: Graph) => findViolations(g, ROOMS, PURE_PACKAGES).map((v) => v.key);

describe('the layout of docs/architecture.md', () => {
  it('lists the rooms in the order of the data flow', () => {
    expect(ROOMS.map((r) => r.path)).toEqual([
      'protocol',
      'core',
      'agent/lifecycle',
      'agent/platforms',
      'transport/kinds',
      'agent/scenario',
      'agent/device',
      'agent/fleet',
      'agent/faults',
      'agent/sim',
      'transport',
      'drive',
      'endpoint-client',
      'reconcile',
      'result',
      'broker',
      'run',
      'reports',
      'cli',
    ]);
    expect(ROOMS.filter((r) => r.pure).map((r) => r.path)).toEqual([
      'protocol',
      'core',
      'agent/lifecycle',
      'agent/platforms',
      'transport/kinds',
      'agent/scenario',
      'agent/device',
      'agent/fleet',
      'agent/faults',
      'agent/sim',
      'reconcile',
      'result',
      'reports',
    ]);
    expect(ROOMS.find((r) => r.path === 'broker')?.imports).toEqual(['protocol', 'core']);
  });

  it('is what the compiler builds: every room is in tsconfig.build.json', () => {
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    for (const top of new Set(ROOMS.map((r) => r.path.split('/')[0]!))) expect(build.include).toContain(top);
  });

  it('holds on the source tree, apart from the known violations, each of which still occurs', () => {
    const found = findViolations(readGraph(ROOT, ROOMS), ROOMS, PURE_PACKAGES);
    const unexpected = found.filter((v) => !(v.key in KNOWN)).map((v) => v.detail);
    const fixed = Object.keys(KNOWN).filter((k) => !found.some((v) => v.key === k));
    expect(unexpected, 'imports that break the layout').toEqual([]);
    expect(fixed, 'fixed: remove these from KNOWN in test/architecture.test.ts').toEqual([]);
  });
});

describe('the import checks fail where they should (synthetic graphs)', () => {
  it('an import up the list is refused, a type-only one too; down the list and within a room are fine', () => {
    expect(keys(graph({ 'core/heap.ts': ['agent/sim/simulator.ts'], 'agent/sim/simulator.ts': [] }))).toEqual([
      'up core/heap.ts -> agent/sim/simulator.ts',
    ]);
    expect(keys(graph({ 'protocol/event.ts': [['run/run-scenario.ts', 'type']], 'run/run-scenario.ts': [] }))).toEqual([
      'up protocol/event.ts -> run/run-scenario.ts',
    ]);
    expect(
      keys(
        graph({
          'agent/sim/trace.ts': ['agent/sim/simulator.ts', 'core/rng.ts'],
          'agent/sim/simulator.ts': [],
          'core/rng.ts': [],
        }),
      ),
    ).toEqual([]);
  });

  it('broker/ may import protocol/ and core/ only, though other rooms sit above it', () => {
    const g = graph({
      'broker/store.ts': ['protocol/event.ts', 'core/heap.ts', 'transport/types.ts'],
      'protocol/event.ts': [],
      'core/heap.ts': [],
      'transport/types.ts': [],
    });
    expect(keys(g)).toEqual(['up broker/store.ts -> transport/types.ts']);
  });

  it('a cycle of value imports is found; a cycle closed by a type-only import is not one', () => {
    const cyclic = graph({ 'core/a.ts': ['core/b.ts'], 'core/b.ts': ['core/c.ts'], 'core/c.ts': ['core/a.ts'] });
    expect(keys(cyclic)).toEqual(['cycle core/a.ts core/b.ts core/c.ts']);
    const typed = graph({ 'core/a.ts': ['core/b.ts'], 'core/b.ts': [['core/a.ts', 'type']] });
    expect(keys(typed)).toEqual([]);
  });

  it('an I/O module reached from a pure room is found through any number of files', () => {
    const g = graph({
      'reports/html.ts': ['result/result.ts'],
      'result/result.ts': ['drive/metrics.ts', 'zod'],
      'drive/metrics.ts': ['hdr-histogram-js', 'node:net'],
    });
    expect(keys(g)).toEqual(['io reports/html.ts -> node:net', 'io result/result.ts -> node:net']);
    expect(findViolations(g, ROOMS, PURE_PACKAGES)[0]!.detail).toContain(
      'reports/html.ts -> result/result.ts -> drive/metrics.ts',
    );
  });

  it("a file's declared I/O edge is its own: whoever imports it from a pure room is refused", () => {
    const g = graph({
      'agent/scenario/load.ts': ['node:fs', 'yaml'],
      'agent/scenario/models.ts': ['agent/scenario/load.ts'],
      'protocol/credentials.ts': ['node:crypto'],
      'protocol/event.ts': ['node:crypto'],
    });
    expect(keys(g)).toEqual([
      'io agent/scenario/models.ts -> node:fs',
      'io agent/scenario/models.ts -> yaml',
      'io protocol/event.ts -> node:crypto',
    ]);
  });

  it('a file in no room is reported', () => {
    expect(keys(graph({ 'misc/util.ts': [] }))).toEqual(['no-room misc/util.ts']);
  });

  it('tells value imports from type-only ones as the compiler does', () => {
    const text = [
      "import { a } from './a.js';",
      "import { B } from './b.js';",
      "import type { C } from './c.js';",
      "import { type D, e } from './d.js';",
      "export { f } from './f.js';",
      "const g = () => import('./g.js');",
      'export const x: B & C & D = a(e, g) as never;',
    ].join('\n');
    expect(importsOf('core/x.ts', text)).toEqual([
      { to: 'core/a.ts', value: true },
      { to: 'core/b.ts', value: false },
      { to: 'core/c.ts', value: false },
      { to: 'core/d.ts', value: true },
      { to: 'core/f.ts', value: true },
      { to: 'core/g.ts', value: true },
    ]);
  });
});

/** Files whose "issue N" comments wait for the helpers rewriting them; the list only shrinks. */
const BANNERS_LEFT = new Set<string>([]);
/** Where the version is still written out instead of read from package.json (being fixed). */
const VERSION_LEFT = new Set<string>([]);

describe('habits', () => {
  const files = sourceFiles(ROOT, ROOMS);

  it('no "issue N" banners: a comment says why, not which ticket', () => {
    const found = files.filter((f) => /\bissues?\s+#?\d+/i.test(f.text)).map((f) => f.path);
    expect(found.filter((f) => !BANNERS_LEFT.has(f))).toEqual([]);
    expect(
      [...BANNERS_LEFT].filter((f) => !found.includes(f)),
      'fixed: remove from BANNERS_LEFT',
    ).toEqual([]);
  });

  it('the version is read from package.json, not written out in the source', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const literal = new RegExp(`['"\`]${version.replaceAll('.', '\\.')}['"\`]`);
    const found = files.filter((f) => literal.test(f.text)).map((f) => f.path);
    expect(found.filter((f) => !VERSION_LEFT.has(f))).toEqual([]);
    expect(
      [...VERSION_LEFT].filter((f) => !found.includes(f)),
      'fixed: remove from VERSION_LEFT',
    ).toEqual([]);
  });
});
