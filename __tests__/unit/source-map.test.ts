/**
 * The source tree as the architecture's map (docs/ARCHITECTURE.md): no file
 * imports itself back through others, the GOPROXY grammar is read and written
 * in src/goproxy/ only, the report's types live in src/model/, and the entry
 * files only dispatch. Plain reads of src/, no dependency.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../lab/paths.js';

const SRC = path.join(repoRoot, 'src');

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative module a file imports or re-exports (types included: a cycle of types is a cycle of files). */
function importsOf(file: string, text: string): string[] {
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gms),
    ...text.matchAll(/^\s*import\s+'(\.{1,2}\/[^']+)'/gm),
    ...text.matchAll(/\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g),
  ].map((m) => m[1] as string);
  return specs.filter((s) => s.endsWith('.js')).map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')));
}

/** The import cycles of a graph, each as the files around it (one per strongly connected component). */
function cyclesOf(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/**
 * GOPROXY grammar written out by hand: a "," and "|" class (splitting or
 * searching a value), a GOPROXY value split or searched, a chain end word put
 * in GOPROXY, or a value glued from parts with a separator. Lines that only
 * show an already formatted value (`GOPROXY=${...}` in a message) pass.
 */
const GOPROXY_BY_HAND: { rule: string; test: (line: string) => boolean }[] = [
  { rule: 'a "," and "|" class', test: (l) => /\[(?:,\\?\||\\?\|,)\]/.test(l) },
  { rule: 'a GOPROXY value split or searched', test: (l) => /goproxy\w*\??\.(?:split|search|indexOf|includes)\(/i.test(l) },
  { rule: 'an end word put in GOPROXY by hand', test: (l) => /\bGOPROXY:\s*['"`](?:off|direct)['"`]/.test(l) },
  { rule: 'a GOPROXY value glued with a separator', test: (l) => /\}[,|](?:off|direct)\b|\$\{[^}]*\}[,|]\$\{/.test(l) },
];

function goproxyByHand(text: string): { line: number; rule: string; text: string }[] {
  return text.split('\n').flatMap((l, i) => {
    const code = l.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
    return GOPROXY_BY_HAND.filter((r) => r.test(code)).map((r) => ({ line: i + 1, rule: r.rule, text: l.trim() }));
  });
}

describe('the source tree is the map', () => {
  const files = sourceFiles();
  const rel = (f: string) => path.relative(SRC, f);

  test('no file imports itself back, directly or through others', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(f, 'utf8'))]));
    expect(cyclesOf(graph).map((c) => c.map(rel).join(' -> '))).toEqual([]);
  });

  test('the cycle finder finds a cycle of types, and nothing in a tree', () => {
    const g = (edges: Record<string, string[]>) => new Map(Object.entries(edges));
    expect(cyclesOf(g({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual([['a', 'b', 'c']]);
    expect(cyclesOf(g({ a: ['b', 'c'], b: ['c'], c: [] }))).toEqual([]);
    const text = "import type { X } from './b.js';\nexport { y } from '../c/d.js';\nconst z = await import('./e.js');";
    expect(importsOf('/s/a/a.ts', text)).toEqual(['/s/a/b.ts', '/s/c/d.ts', '/s/a/e.ts']);
  });

  test('GOPROXY is read and written in src/goproxy/ only; elsewhere it is a Chain', () => {
    const found = files
      .filter((f) => !rel(f).startsWith(`goproxy${path.sep}`))
      .flatMap((f) => goproxyByHand(readFileSync(f, 'utf8')).map((h) => `${rel(f)}:${h.line}: ${h.rule}: ${h.text}`));
    expect(found).toEqual([]);
  });

  test('what the GOPROXY check flags: the hand-made parsing this project had, and not the splits that are not GOPROXY', () => {
    const flagged = [
      "const chain = goproxy.split(/[,|]/).filter((p) => p && p !== 'direct' && p !== 'off');",
      "const direct = report.goproxy.split(/[,|]/).includes('direct');",
      'GOPROXY: `${pathToFileURL(download).href},off`,',
      "runCommand('go', ['mod', 'verify'], { env: { ...runner.env, GOPROXY: 'off' } });",
      'const i = rest.search(/[|,]/);',
    ];
    for (const line of flagged) expect([line, goproxyByHand(line).length > 0]).toEqual([line, true]);
    const unrelated = [
      "const parts = value.split(';').map((p) => p.trim());",
      "for (const p of patterns.split(',')) if (matches(p, path)) return true;",
      "const entries = parseList(raw.replace(/\\|/g, ','));",
      'platform.info(`GOPROXY=${report.exportedGoproxy} for later steps`);',
      "const GO_DEFAULTS = { GOPROXY: 'https://proxy.golang.org,direct' };",
    ];
    for (const line of unrelated) expect([line, goproxyByHand(line)]).toEqual([line, []]);
  });

  test('the run report and the run context are model/ vocabulary', () => {
    const declares = (name: string) =>
      files.filter((f) => new RegExp(`^export (?:interface|type) ${name}\\b`, 'm').test(readFileSync(f, 'utf8'))).map(rel);
    expect(declares('RunReport')).toEqual([path.join('model', 'run-report.ts')]);
    expect(declares('RunContext')).toEqual([path.join('model', 'run-context.ts')]);
  });

  test('the entry files only dispatch: under 40 lines each', () => {
    const entries = files.filter((f) => rel(f).startsWith(`entry${path.sep}`));
    expect(entries.length).toBeGreaterThan(0);
    for (const f of entries) expect([rel(f), readFileSync(f, 'utf8').trimEnd().split('\n').length < 40]).toEqual([rel(f), true]);
  });
});
