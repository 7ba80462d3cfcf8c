/**
 * Jest globalSetup: build the lab PKI once, in the parent process, so the
 * parallel workers never race to create it (they only read it), and prune
 * per-case lab directories left by earlier runs; and refuse to run the
 * end-to-end tests against a dist/ older than src/ (dist-fresh.ts).
 *
 * Jest runs this file through its CommonJS require hook (not the ESM loader
 * the tests get), where `./pki.js` does not resolve to `./pki.ts`; so require
 * the TS sources (leaf modules: they import no relative files) by their real names there, and import normally under real ESM.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as DistFresh from './dist-fresh.js';
import type * as Paths from './paths.js';
import type * as Pki from './pki.js';

/** What Jest hands globalSetup that we read: the test path patterns of the command line. */
interface SelectedTests {
  testPathPatterns?: { patterns?: string[] };
  rootDir?: string;
}

export default async function globalSetup(globalConfig: SelectedTests = {}): Promise<void> {
  const cjs = typeof __filename === 'string';
  const load = <T>(name: string): T => createRequire(__filename)(path.join(path.dirname(__filename), `${name}.ts`)) as T;
  const fresh = cjs ? load<typeof DistFresh>('dist-fresh') : await import('./dist-fresh.js');
  if (!fresh.inProcessOnly(globalConfig.testPathPatterns?.patterns ?? [])) {
    const problem = fresh.distProblem(globalConfig.rootDir ?? process.cwd());
    if (problem) throw new Error(`go-proxy-guard tests: ${problem}`);
  }
  const pki = cjs ? load<typeof Pki>('pki') : await import('./pki.js');
  const paths = cjs ? load<typeof Paths>('paths') : await import('./paths.js');
  pki.ensureLabPki();
  paths.pruneLabDirs();
}
