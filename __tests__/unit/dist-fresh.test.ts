/** The end-to-end tests refuse a dist/ older than src/ (lab/dist-fresh.ts), on real files with set mtimes. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { distProblem, MTIME_TOLERANCE_MS, inProcessOnly } from '../lab/dist-fresh.js';

function repoWith(srcAgeS: number, distAgeS: number | undefined): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dist-fresh-'));
  const now = Date.now() / 1000;
  fs.mkdirSync(path.join(root, 'src', 'engine'), { recursive: true });
  const src = path.join(root, 'src', 'engine', 'run.ts');
  fs.writeFileSync(src, '');
  fs.utimesSync(src, now - srcAgeS, now - srcAgeS);
  if (distAgeS !== undefined) {
    for (const b of ['dist/index.js', 'dist/cli/index.js']) {
      fs.mkdirSync(path.dirname(path.join(root, b)), { recursive: true });
      fs.writeFileSync(path.join(root, b), '');
      fs.utimesSync(path.join(root, b), now - distAgeS, now - distAgeS);
    }
  }
  return root;
}

describe('dist freshness', () => {
  test('a build after the last edit is fresh', () => {
    expect(distProblem(repoWith(60, 10))).toBeUndefined();
  });
  test('a fresh clone (src a moment newer than dist) is fresh', () => {
    expect(distProblem(repoWith(10, 10 + MTIME_TOLERANCE_MS / 2000))).toBeUndefined();
  });
  test('src edited after the build: refused, naming the file and the fix', () => {
    expect(distProblem(repoWith(10, 60))).toMatch(
      /dist\/index\.js is older than src\/ \(src\/engine\/run\.ts changed 50 s after the build\): run `npm run build`/,
    );
  });
  test('no build at all: refused', () => {
    expect(distProblem(repoWith(10, undefined))).toMatch(/dist\/index\.js is missing: run `npm run build`/);
  });
  test('a run of unit or stage tests alone does not need dist/', () => {
    expect(inProcessOnly(['__tests__/unit'])).toBe(true);
    expect(inProcessOnly(['__tests__/unit/silence.test.ts', '__tests__/unit/warm.test.ts'])).toBe(true);
    expect(inProcessOnly(['__tests__/stages', '__tests__/unit/warm.test.ts'])).toBe(true);
    expect(inProcessOnly(['__tests__/stages/export-stage.test.ts'])).toBe(true);
    expect(inProcessOnly([])).toBe(false);
    expect(inProcessOnly(['__tests__/ladder.test.ts', '__tests__/unit'])).toBe(false);
  });
});
