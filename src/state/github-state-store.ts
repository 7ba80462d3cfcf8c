import * as cache from '@actions/cache';
import * as path from 'node:path';
import { untrustedEventRefusal } from '../cache/save-policy.js';
import { within } from '../platform/time-bound.js';
import { readStateFile, writeStateFile } from './file-state-store.js';
import type { GuardState, StateStore } from './guard-state.js';

const STATE_TIMEOUT_MS = 10_000;

/**
 * State in the Actions cache. Entries are immutable, so every run saves a new
 * key under a per-repository, per-workflow prefix, and the next run restores
 * the newest entry with that prefix.
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
      await within(STATE_TIMEOUT_MS, 'state restore', cache.restoreCache([this.dir], `${this.prefix}${this.runPart}`, [this.prefix]));
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
      const id = await within(STATE_TIMEOUT_MS, 'state save', cache.saveCache([this.dir], `${this.prefix}${this.runPart}-${Date.now()}`));
      if (id === -1) this.warn('alert and history state was not saved by the cache service');
    } catch (err) {
      this.warn(`alert and history state was not saved: ${(err as Error).message}`);
    }
  }
}
