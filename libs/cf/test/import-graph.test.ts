import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The shape of libs/cf's imports: no cycles between its modules, and no
 * layer importing one above it (model/ knows nothing of training,
 * checkpoints, serving or export). Imports are read with TypeScript's own
 * pre-processor, type-only imports included (a cycle of types is still a
 * knot to untie when changing either side).
 */
const SRC = resolve(__dirname, '../src');

/** Directory -> the directories it must not import. */
const FORBIDDEN: Record<string, readonly string[]> = {
  model: ['train', 'serve', 'export'],
  data: ['model', 'train', 'serve', 'export'],
  metrics: ['model', 'train', 'serve', 'export'],
  runtime: ['data', 'model', 'train', 'serve', 'export', 'eval', 'metrics', 'baselines', 'stats'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null; // packages: outside the graph
  const base = resolve(dirname(from), spec);
  for (const p of [`${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not this one
    }
  }
  throw new Error(`${relative(SRC, from)}: cannot resolve ${spec}`);
}

/** Module (path relative to src) -> the modules it imports or re-exports. */
export function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(root)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const deps = info.importedFiles
      .map((f) => resolveImport(file, f.fileName))
      .filter((p): p is string => p !== null)
      .map((p) => relative(root, p));
    graph.set(relative(root, file), deps);
  }
  return graph;
}

/** The strongly connected components with more than one module (or a module importing itself): Tarjan. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('libs/cf imports', () => {
  const graph = importGraph(SRC);

  it('reads the real graph', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('train/trainer.ts')).toContain('model/network.ts');
  });

  it('have no cycles', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('never import a layer above', () => {
    const upward: string[] = [];
    for (const [from, deps] of graph) {
      const forbidden = FORBIDDEN[from.split('/')[0]] ?? [];
      for (const to of deps) if (forbidden.includes(to.split('/')[0])) upward.push(`${from} -> ${to}`);
    }
    expect(upward).toEqual([]);
  });

  it('the checks find what they look for', () => {
    const knot = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(knot)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(cycles(new Map([['a.ts', ['a.ts']]]))).toEqual([['a.ts']]);
  });
});
