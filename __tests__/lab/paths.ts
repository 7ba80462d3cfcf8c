/**
 * Where the lab keeps its generated state. Everything goes under `<repo>/.lab`
 * (gitignored) rather than os.tmpdir() so a failed run can be inspected and a
 * single `rm -rf .lab` resets the lab.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `<repo>`: this file lives in `<repo>/__tests__/lab/`. */
export const repoRoot: string = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The nearest directory holding action.yml: the lab also runs compiled from .lab/build (demo, bench). */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'action.yml'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..', '..');
  }
}

/** `<repo>/.lab`, or `$GO_PROXY_GUARD_LAB_DIR` when set (e.g. to move it to tmpfs). */
export const labRoot: string = process.env.GO_PROXY_GUARD_LAB_DIR ?? path.join(repoRoot, '.lab');

/** A fresh, unique directory `<labRoot>/tmp/<prefix>-XXXXXX` for one test or scenario. */
export function makeLabDir(prefix = 'case'): string {
  const base = path.join(labRoot, 'tmp');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(path.join(base, `${prefix.replace(/[^A-Za-z0-9_.-]/g, '_')}-`));
}

/**
 * Delete `<labRoot>/tmp/*` older than `maxAgeMs` (default 1 h). Case dirs are
 * kept after a run for post-mortems; global-setup prunes them on the next run
 * (by age, so a concurrent run's fresh dirs survive).
 */
export function pruneLabDirs(maxAgeMs = 3600_000, rm: (dir: string) => void = defaultRm): number {
  const base = path.join(labRoot, 'tmp');
  let removed = 0;
  let entries: string[];
  try {
    entries = readdirSync(base);
  } catch {
    return 0; // nothing to prune yet
  }
  for (const e of entries) {
    const p = path.join(base, e);
    try {
      if (Date.now() - statSync(p).mtimeMs > maxAgeMs) {
        rm(p);
        removed++;
      }
    } catch {
      /* raced with another pruner */
    }
  }
  return removed;
}

function defaultRm(dir: string): void {
  // Module caches are extracted read-only: make dirs writable before removing.
  const walk = (p: string): void => {
    const st = lstatSync(p);
    if (!st.isDirectory()) return;
    chmodSync(p, 0o755);
    for (const e of readdirSync(p)) walk(path.join(p, e));
  };
  walk(dir);
  rmSync(dir, { recursive: true, force: true });
}

/** The CLI bundle the end-to-end tests run (`$GO_PROXY_GUARD_CLI` runs another build, e.g. an installed package). */
export const CLI: string = process.env.GO_PROXY_GUARD_CLI ?? path.join(repoRoot, 'dist', 'cli', 'index.js');

/** Files below `dir`, relative, sorted. */
export const listTree = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
