/**
 * The import graph of the source rooms and the rules the layout sets on it (docs/architecture.md):
 * an import never points up the list of rooms, value imports make no cycle, and a pure room
 * reaches no I/O module, not even through another file. The checks are pure functions over a
 * plain graph, so a test can hand them a synthetic one and see them fail.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import ts from 'typescript';

export interface Room {
  /** Folder relative to the project root, without a trailing slash: "agent/sim". */
  path: string;
  /** Rooms it may import besides itself; undefined means every room above it. */
  imports?: string[];
  pure: boolean;
  /** In a pure room: modules one file may import itself (the room's declared edge to I/O). */
  exempt: Map<string, Set<string>>;
}

export interface Import {
  /** A project file ("agent/sim/trace.ts") or a package or builtin specifier ("node:fs", "yaml"). */
  to: string;
  /** False when the import is erased at compile time (only types are used). */
  value: boolean;
}

/** File (relative, posix) -> what it imports. */
export type Graph = Map<string, Import[]>;

export interface Violation {
  kind: 'no-room' | 'up' | 'cycle' | 'io';
  /** Stable across runs: what an allowlist names. */
  key: string;
  detail: string;
}

const ROW = /^\|\s*`([\w./-]+)\/`\s*\|([^|]*)\|([^|]*)\|/;

/** Reads the rooms, in dependency order, from the table rows of docs/architecture.md. */
export function parseRooms(markdown: string): Room[] {
  const rooms: Room[] = [];
  for (const line of markdown.split('\n')) {
    const m = ROW.exec(line);
    if (!m) continue;
    const importsCell = m[2]!.trim();
    const pureCell = m[3]!.trim();
    const exempt = new Map<string, Set<string>>();
    for (const x of pureCell.matchAll(/`([\w.-]+\.ts)`: ((?:`[^`]+`(?:,\s*)?)+)/g)) {
      const mods = [...x[2]!.matchAll(/`([^`]+)`/g)].map((y) => y[1]!);
      exempt.set(`${m[1]}/${x[1]}`, new Set(mods));
    }
    const listed = [...importsCell.matchAll(/`([\w./-]+)\/`/g)].map((y) => y[1]!);
    rooms.push({
      path: m[1]!,
      ...(importsCell.startsWith('above') ? {} : { imports: listed }),
      pure: pureCell.startsWith('yes'),
      exempt,
    });
  }
  return rooms;
}

/** The room a file belongs to: the longest room path that contains it. */
export function roomOf(file: string, rooms: readonly Room[]): Room | undefined {
  let best: Room | undefined;
  for (const r of rooms) {
    if (file.startsWith(`${r.path}/`) && (!best || r.path.length > best.path.length)) best = r;
  }
  return best;
}

function specifiers(source: ts.SourceFile): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node) => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier) {
      if (ts.isStringLiteral(n.moduleSpecifier)) out.push(n.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(n) &&
      n.expression.kind === ts.SyntaxKind.ImportKeyword &&
      n.arguments[0] &&
      ts.isStringLiteral(n.arguments[0])
    ) {
      out.push(n.arguments[0].text);
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return out;
}

function resolve(from: string, spec: string): string {
  return spec.startsWith('.') ? posix.normalize(posix.join(posix.dirname(from), spec)).replace(/\.js$/, '.ts') : spec;
}

/**
 * The imports of one file's text. Value imports are what the compiler keeps: the module is
 * transpiled alone, which drops every import used only as a type.
 */
export function importsOf(file: string, text: string): Import[] {
  const all = specifiers(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true));
  const js = ts.transpileModule(text, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const values = new Set(specifiers(ts.createSourceFile(`${file}.js`, js, ts.ScriptTarget.Latest, true)));
  const seen = new Map<string, Import>();
  for (const spec of all) {
    const to = resolve(file, spec);
    const prev = seen.get(to);
    const value = values.has(spec);
    if (!prev) seen.set(to, { to, value });
    else prev.value ||= value;
  }
  return [...seen.values()];
}

function listTs(root: string, dir: string, out: string[]): void {
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const p = posix.join(dir, e.name);
    if (e.isDirectory()) listTs(root, p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
}

/** Every .ts file under the rooms' top folders, with its text. */
export function sourceFiles(root: string, rooms: readonly Room[]): { path: string; text: string }[] {
  const files: string[] = [];
  for (const top of new Set(rooms.map((r) => r.path.split('/')[0]!))) listTs(root, top, files);
  return files.sort().map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));
}

/** The import graph of the source tree. */
export function readGraph(root: string, rooms: readonly Room[]): Graph {
  return new Map(sourceFiles(root, rooms).map((f) => [f.path, importsOf(f.path, f.text)]));
}

/** Files that import one another through value imports (Tarjan's strongly connected components). */
export function valueCycles(g: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const strong = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const e of g.get(v) ?? []) {
      if (!e.value || !g.has(e.to)) continue;
      if (!index.has(e.to)) {
        strong(e.to);
        low.set(v, Math.min(low.get(v)!, low.get(e.to)!));
      } else if (onStack.has(e.to)) low.set(v, Math.min(low.get(v)!, index.get(e.to)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const c: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      c.push(w);
    } while (w !== v);
    const self = (g.get(v) ?? []).some((e) => e.value && e.to === v);
    if (c.length > 1 || self) cycles.push(c.sort());
  };
  for (const v of g.keys()) if (!index.has(v)) strong(v);
  return cycles;
}

/** Breadth first over value imports: every project file `from` reaches, with the file it came from. */
function reach(g: Graph, from: string): Map<string, string | undefined> {
  const parent = new Map<string, string | undefined>([[from, undefined]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    for (const e of g.get(queue[i]!) ?? []) {
      if (e.value && g.has(e.to) && !parent.has(e.to)) {
        parent.set(e.to, queue[i]);
        queue.push(e.to);
      }
    }
  }
  return parent;
}

function chain(parent: Map<string, string | undefined>, to: string): string[] {
  const out: string[] = [];
  for (let at: string | undefined = to; at !== undefined; at = parent.get(at)) out.unshift(at);
  return out;
}

/** Everything in the graph that breaks the layout. `pureModules` are packages a pure room may use. */
export function findViolations(g: Graph, rooms: readonly Room[], pureModules: ReadonlySet<string>): Violation[] {
  const out: Violation[] = [];
  const order = new Map(rooms.map((r, i) => [r.path, i]));
  for (const [file, imports] of g) {
    const room = roomOf(file, rooms);
    if (!room) {
      out.push({ kind: 'no-room', key: `no-room ${file}`, detail: `${file} is in no room of docs/architecture.md` });
      continue;
    }
    for (const e of imports) {
      if (!g.has(e.to)) continue;
      const target = roomOf(e.to, rooms);
      if (!target || target === room) continue;
      const allowed = room.imports
        ? room.imports.includes(target.path)
        : order.get(target.path)! < order.get(room.path)!;
      if (!allowed) {
        out.push({
          kind: 'up',
          key: `up ${file} -> ${e.to}`,
          detail: `${file} (room ${room.path}/) imports ${e.to} (room ${target.path}/), which ${room.path}/ may not import`,
        });
      }
    }
    if (!room.pure) continue;
    const parent = reach(g, file);
    for (const via of parent.keys()) {
      for (const e of g.get(via)!) {
        // a JSON module (package.json for the version) is data the loader reads, as it reads code
        if (!e.value || g.has(e.to) || e.to.startsWith('.') || e.to.endsWith('.json') || pureModules.has(e.to))
          continue;
        if (via === file && room.exempt.get(file)?.has(e.to)) continue;
        out.push({
          kind: 'io',
          key: `io ${file} -> ${e.to}`,
          detail: `${file} is in the pure room ${room.path}/ and reaches ${e.to} through ${chain(parent, via).join(' -> ')}`,
        });
      }
    }
  }
  for (const c of valueCycles(g)) {
    out.push({ kind: 'cycle', key: `cycle ${c.join(' ')}`, detail: `value imports go round: ${c.join(', ')}` });
  }
  return out;
}
