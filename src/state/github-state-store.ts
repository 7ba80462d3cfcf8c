import * as cache from '@actions/cache';
import * as path from 'node:path';
import { untrustedEventRefusal } from '../cache/save-policy.js';
import { withinCacheService } from '../cache/service-bound.js';
import { readStateFile, writeStateFile } from './file-state-store.js';
import type { GuardState, StateStore } from './guard-state.js';

const STATE_TIMEOUT_MS = 10_000;

/**
 * State in the Actions cache. Entries are immutable, so each run saves one
 * key, `<prefix><run>-<attempt>`, and the next run restores the newest entry
 * with the prefix. In a matrix the first job to save it wins and the others
 * leave it be (their alert state agrees: the jobs elect one sender and all
 * record its send), so the state grows by one small entry per run, never one
 * per job. Only the newest entry is ever read; older ones go unused and
 * GitHub evicts entries unused for 7 days, which bounds what is kept.
 */
export class GitHubStateStore implements StateStore {
  private readonly dir: string;
  private readonly prefix: string;
  private readonly runPart: string;
  /** Set when the restore found the service dead: saving would only wait for it again. */
  private unreachable = false;
  /** Untrusted events read state but never write it (a poisoned history could silence alerts). */
  private readonly readOnly: boolean;

  constructor(
    env: NodeJS.ProcessEnv,
    private readonly warn: (message: string) => void,
  ) {
    // The cache version hashes this path: it must not change between runs.
    this.dir = path.join(env.RUNNER_TEMP || '/tmp', 'go-proxy-guard-state');
    const part = (s: string | undefined) => (s ?? 'none').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
    this.prefix = `go-proxy-guard-state-${part(env.GITHUB_REPOSITORY)}-${part(env.GITHUB_WORKFLOW)}-`;
    this.runPart = `${part(env.GITHUB_RUN_ID)}-${part(env.GITHUB_RUN_ATTEMPT)}`;
    this.readOnly = untrustedEventRefusal(env.GITHUB_EVENT_NAME) !== undefined;
  }

  private get file(): string {
    return path.join(this.dir, 'state.json');
  }

  async load(): Promise<GuardState> {
    try {
      await withinCacheService(STATE_TIMEOUT_MS, 'state restore', () =>
        cache.restoreCache([this.dir], `${this.prefix}${this.runPart}`, [this.prefix]),
      );
    } catch (err) {
      this.unreachable = true;
      this.warn(`alert and history state could not be restored, starting fresh: ${(err as Error).message}`);
    }
    return readStateFile(this.file);
  }

  async save(state: GuardState): Promise<void> {
    await writeStateFile(this.file, state);
    if (this.unreachable || this.readOnly) return;
    try {
      const key = `${this.prefix}${this.runPart}`;
      if (await this.saved(key)) return;
      const id = await withinCacheService(STATE_TIMEOUT_MS, 'state save', () => cache.saveCache([this.dir], key));
      // -1 is also what a job that lost the race to another job of the run gets.
      if (id === -1 && !(await this.savedSoon(key))) this.warn('alert and history state was not saved by the cache service');
    } catch (err) {
      this.warn(`alert and history state was not saved: ${(err as Error).message}`);
    }
  }

  /** A job that reserved the key first needs a moment to upload it. */
  private async savedSoon(key: string): Promise<boolean> {
    for (let i = 0; i < 5; i++) {
      if (await this.saved(key)) return true;
      await new Promise((r) => setTimeout(r, 500));
    }
    return false;
  }

  /** Another job of this run (a matrix leg) saved the run's state already. */
  private async saved(key: string): Promise<boolean> {
    const found = await withinCacheService(STATE_TIMEOUT_MS, 'state lookup', () =>
      cache.restoreCache([this.dir], key, [], { lookupOnly: true }),
    );
    return found === key;
  }
}
