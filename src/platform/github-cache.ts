import * as cache from '@actions/cache';
import type { CiCache } from '../cache/ci-cache.js';

/** Bounds on the cache service: a slow service is a warning, never a stalled job. */
const RESTORE_TIMEOUT_MS = 120_000;
const SAVE_TIMEOUT_MS = 300_000;

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000}s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The Actions cache, through @actions/cache itself. */
export class GitHubCache implements CiCache {
  static available(): boolean {
    return cache.isFeatureAvailable();
  }

  async restore(paths: string[], primary: string, restoreKeys: string[]): Promise<string | undefined> {
    return within(RESTORE_TIMEOUT_MS, 'cache restore', cache.restoreCache(paths, primary, restoreKeys));
  }

  async save(paths: string[], key: string): Promise<void> {
    // saveCache logs and swallows service errors, returning -1: turn that back into a failure.
    const id = await within(SAVE_TIMEOUT_MS, 'cache save', cache.saveCache(paths, key));
    if (id === -1) throw new Error(`the cache service did not store "${key}"`);
  }
}
