/**
 * Jest globalSetup: build the lab PKI once, in the parent process, so the
 * parallel workers never race to create it (they only read it), and prune
 * per-case lab directories left by earlier runs.
 *
 * Jest runs this file through its CommonJS require hook (not the ESM loader
 * the tests get), where `./pki.js` does not resolve to `./pki.ts`; so require
 * the TS sources (leaf modules: they import no relative files) by their real names there, and import normally under real ESM.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Paths from './paths.js';
import type * as Pki from './pki.js';

export default async function globalSetup(): Promise<void> {
  const cjs = typeof __filename === 'string';
  const load = <T>(name: string): T => createRequire(__filename)(path.join(path.dirname(__filename), `${name}.ts`)) as T;
  const pki = cjs ? load<typeof Pki>('pki') : await import('./pki.js');
  const paths = cjs ? load<typeof Paths>('paths') : await import('./paths.js');
  pki.ensureLabPki();
  paths.pruneLabDirs();
}
