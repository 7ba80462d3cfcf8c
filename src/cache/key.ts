import { createHash } from 'node:crypto';

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Project } from '../project/discover.js';

/** A go.sum or go.work.sum file: its path relative to the project root, and its bytes. */
export interface SumFile {
  name: string;
  content: Buffer;
}

/** The project's go.sum and go.work.sum files, read once: the module and build cache keys hash them, the restore checks against them. */
export function readSumFiles(project: Pick<Project, 'root' | 'sumFiles'>): Promise<SumFile[]> {
  return Promise.all(project.sumFiles.map(async (f) => ({ name: path.relative(project.root, f), content: await fs.readFile(f) })));
}

export interface CacheKeys {
  primary: string;
  /** Prefix restore keys, most specific first. */
  restore: string[];
}

/**
 * prefix-OS-arch-hash(go.sum files): a dependency bump changes the key, and
 * the prefix still finds the last entry so only the changed modules download.
 * The sum files are hashed with their relative paths so moving one matters.
 */
export function cacheKeys(opts: { prefix: string; os: string; arch: string; sums: readonly SumFile[] }): CacheKeys {
  const hash = createHash('sha256');
  for (const s of [...opts.sums].sort((a, b) => a.name.localeCompare(b.name))) {
    hash.update(`${s.name}\0${s.content.length}\0`);
    hash.update(s.content);
  }
  const base = `${opts.prefix}-${opts.os}-${opts.arch}-`;
  return { primary: base + hash.digest('hex').slice(0, 32), restore: [base] };
}
