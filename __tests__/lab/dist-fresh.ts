/**
 * The end-to-end tests run the built action (dist/index.js, dist/cli/index.js),
 * not src/: against a dist/ older than src/ they would test yesterday's code
 * and pass or fail for the wrong reason. A leaf module (no relative imports):
 * global-setup loads it through Jest's CommonJS hook.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A fresh clone gives every file about the same mtime: only a gap wider than this means src/ changed after the build. */
export const MTIME_TOLERANCE_MS = 2000;

/** The bundles the end-to-end tests run. */
export const BUNDLES = ['dist/index.js', 'dist/cli/index.js'];

/** The newest mtime of any file under `dir`, and which file it is. */
export function newestFile(dir: string): { file: string; mtimeMs: number } | undefined {
  let newest: { file: string; mtimeMs: number } | undefined;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const { mtimeMs } = fs.statSync(file);
    if (!newest || mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
  }
  return newest;
}

/** Why the bundles cannot be tested as they are (missing, or older than src/), or undefined when they are fresh. */
export function distProblem(repoRoot: string, toleranceMs = MTIME_TOLERANCE_MS): string | undefined {
  const src = newestFile(path.join(repoRoot, 'src'));
  for (const bundle of BUNDLES) {
    const file = path.join(repoRoot, bundle);
    if (!fs.existsSync(file)) return `${bundle} is missing: run \`npm run build\` before the end-to-end tests`;
    const built = fs.statSync(file).mtimeMs;
    if (src && src.mtimeMs - built > toleranceMs) {
      const ahead = Math.round((src.mtimeMs - built) / 1000);
      return `${bundle} is older than src/ (${path.relative(repoRoot, src.file)} changed ${ahead} s after the build): run \`npm run build\` before the end-to-end tests`;
    }
  }
  return undefined;
}

/**
 * Tests that run src/ in-process (unit tests under __tests__/unit, stage tests under __tests__/stages) need no
 * bundle: a run that selects only them needs no fresh dist/.
 */
export function inProcessOnly(patterns: readonly string[]): boolean {
  return patterns.length > 0 && patterns.every((p) => /(^|[\\/])(unit|stages)([\\/]|$)/.test(p));
}
